import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, applyNewProject, backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// What a failing job printed, shown where a person looks: `status JOB`, `timeline`, with the
// built CLI against a real server.
const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n');

describe.each(backends)('the output of a run, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const cli = (args: string[]) => runCli(args, { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, PAKYAS_PING_KEY: undefined } });
  const ping = (key: string, path: string, body?: string | Buffer) => fetch(`${server.url}/ping/${key}/${path}`, { method: 'POST', ...(body === undefined ? {} : { body }) });

  it('status JOB shows the last 20 lines of what the last run printed, and --output all of it', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('backup')] });
    await ping(pingKey, 'backup', 'all good');
    await ping(pingKey, 'backup/3', `${lines(30)}\nerror: disk full\n`);

    const r = await cli(['status', `${project}/backup`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/last run {5}finished .* UTC \(.*\), exit code 3\n/);
    expect(r.stdout).toContain('  output of the last run:\n');
    expect(r.stdout).toContain(`    … 11 earlier lines not shown; pakyas status ${project}/backup --output shows all\n`);
    expect(r.stdout).toContain('    line 12\n');
    expect(r.stdout).not.toContain('    line 11\n');
    expect(r.stdout.trimEnd().endsWith('    error: disk full')).toBe(true);

    const all = await cli(['status', `${project}/backup`, '--output']);
    expect(all.stdout).toContain('    line 1\n');
    expect(all.stdout).not.toContain('earlier lines not shown');

    const json = JSON.parse((await cli(['status', `${project}/backup`, '--json'])).stdout);
    expect(json[0].lastRun).toMatchObject({ exitCode: 3, output: `${lines(30)}\nerror: disk full\n`, outputCutBytes: 0 });
  });

  it('timeline shows the end of each signal\'s output under it, --output all of it, and --json carries it', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('etl')] });
    await ping(pingKey, 'etl', 'loaded 3 rows');
    await ping(pingKey, 'etl/3', lines(8, 'step'));

    const r = await cli(['timeline', `${project}/etl`]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(/transition {2}Failed \(was On Schedule\): exit code 3\n/);
    expect(text).toContain('    │ … 3 earlier lines not shown; --output shows all\n    │ step 4\n');
    expect(text).toContain('    │ step 8\n');
    expect(text).toContain('    │ loaded 3 rows\n');
    expect(text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}/m);

    expect((await cli(['timeline', `${project}/etl`, '--output'])).stdout).toContain('    │ step 1\n');
    const json = JSON.parse((await cli(['timeline', `${project}/etl`, '--json'])).stdout);
    expect(json.entries.find((e: { kind: string }) => e.kind === 'transition' && e)).toMatchObject({ output: lines(8, 'step'), outputCutBytes: 0 });
  });

  it('shows the text of `pakyas ping -m` the same way', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('manual')] });
    const env = { PAKYAS_SERVER: server.url, PAKYAS_PING_KEY: pingKey };
    expect((await runCli(['ping', 'manual', 'fail', '--exit-code', '2', '-m', 'checked by hand:\nthe share is read-only'], { env })).code).toBe(0);
    const status = await cli(['status', `${project}/manual`]);
    expect(status.stdout).toContain('  output of the last run:\n    checked by hand:\n    the share is read-only\n');
    const timeline = await cli(['timeline', `${project}/manual`]);
    expect(timeline.stdout).toContain('    │ checked by hand:\n    │ the share is read-only\n');
  });

  it('says times in the job\'s zone and in UTC', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('berlin', { schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'Europe/Berlin' })] });
    await ping(pingKey, 'berlin');
    const r = await cli(['status', `${project}/berlin`]);
    expect(r.stdout).toMatch(/next due {5}\d{4}-\d\d-\d\d 03:00 CES?T = 0[12]:00 UTC \(in /);
    expect(r.stdout).toMatch(/deadline {5}\d{4}-\d\d-\d\d 03:05 CES?T = 0[12]:05 UTC/);
  });
});

describe.each(backends)('hostile output, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  // Everything a terminal would obey: clear the screen, move the cursor, set the title, hide text,
  // a link whose text lies about its target, a carriage return that overwrites, a bell, a C1 CSI,
  // a bidirectional override; and bytes that are not UTF-8.
  const hostile = Buffer.concat([
    Buffer.from('\u001b[2J\u001b[H\u001b]0;pwned\u0007\u001b[8mhidden\u001b[0m '
      + '\u001b]8;;https://evil.example/\u001b\\https://bank.example/\u001b]8;;\u001b\\ '
      + 'ok\rFAIL \u009b31m \u202Egnp.exe\n', 'utf8'),
    Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a]),
  ]);
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

  it('is shown, never obeyed, by status, timeline and their --output', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('evil')] });
    await fetch(`${server.url}/ping/${pingKey}/evil/1`, { method: 'POST', body: hostile });
    await fetch(`${server.url}/ping/${pingKey}/evil/log`, { method: 'POST', body: 'log \u001b]0;title\u0007 line' });
    const env = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
    for (const args of [['status', `${project}/evil`], ['status', `${project}/evil`, '--output'], ['timeline', `${project}/evil`], ['timeline', `${project}/evil`, '--output']]) {
      const r = await runCli(args, { env });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(CONTROL);
      expect(r.stdout).toContain('␛[2J␛[H␛]0;pwned␇␛[8mhidden␛[0m');
      expect(r.stdout).toContain('␛]8;;https://evil.example/␛\\https://bank.example/␛]8;;␛\\');
      expect(r.stdout).toContain('ok␍FAIL <U+009B>31m <U+202E>gnp.exe');
      expect(r.stdout).toContain('bad \uFFFD\uFFFD\uFFFD(');
    }
    expect((await runCli(['timeline', `${project}/evil`], { env })).stdout).toContain('Log: log ␛]0;title␇ line');
  });
});
