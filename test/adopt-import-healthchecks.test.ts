import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../schema/load.js';
import type { JobSpec } from '../schema/types.js';
import type { RunningServer } from '../server/main.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { ADMIN, adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'adopt');
const CHECKS_FILE = join(FIXTURES, 'healthchecks-checks.json');
const CHANNELS_FILE = join(FIXTURES, 'healthchecks-channels.json');
// A 50-check project as Healthchecks' Management API v3 lists it (GET /api/v3/checks/, read-write
// key): simple and cron checks across zones, tags, descriptions, paused ones, keyword filters,
// a cleared slug, an OnCalendar and a Quartz schedule, and five integrations.
const CHECKS = JSON.parse(readFileSync(CHECKS_FILE, 'utf8')) as { checks: Array<Record<string, unknown>> };
const CHANNELS = JSON.parse(readFileSync(CHANNELS_FILE, 'utf8')) as { channels: unknown[] };

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'pakyas-import-hc-'));
}

function jobsOf(yaml: string): Map<string, JobSpec> {
  const loaded = loadConfig(yaml);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return new Map(loaded.config.jobs.map((j) => [j.name, j]));
}

describe('pakyas import healthchecks from a saved check list', () => {
  it('writes a file that validates: names from slugs, schedules, grace, tags, descriptions, UUIDs, pauses', async () => {
    const out = join(workspace(), 'pakyas.yaml');
    const r = await runCli(['import', 'healthchecks', CHECKS_FILE, '--channels', CHANNELS_FILE, '-o', out, '--project', 'billing']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}: 48 jobs from 50 checks`);
    const yaml = readFileSync(out, 'utf8');
    const jobs = jobsOf(yaml);
    expect(jobs.size).toBe(48);
    expect(jobs.get('filesystem-backup')).toMatchObject({
      description: 'Runs incremental backup every hour', schedule: { kind: 'every', everySeconds: 3600 }, graceSeconds: 600,
      maxDurationSeconds: 600, tags: ['backup', 'fs'], uuid: CHECKS.checks[0]!.uuid,
    });
    expect(jobs.get('database-backup')).toMatchObject({ schedule: { kind: 'cron', cron: '15 5 * * *' }, timezone: 'UTC', graceSeconds: 1200 });
    // Every imported check keeps its UUID, so https://hc-ping.com/UUID only changes its base.
    const kept = CHECKS.checks.filter((c) => !['calendar-job', 'quartz-month-end'].includes(c.slug as string));
    expect([...jobs.values()].map((j) => j.uuid).sort()).toEqual(kept.map((c) => c.uuid).sort());
    for (const c of kept) {
      const job = [...jobs.values()].find((j) => j.uuid === c.uuid)!;
      expect(job.paused, String(c.slug)).toBe(c.status === 'paused');
      if (typeof c.schedule === 'string') expect(job).toMatchObject({ schedule: { kind: 'cron', cron: c.schedule }, timezone: c.tz });
      else expect(job.schedule).toEqual({ kind: 'every', everySeconds: c.timeout });
      expect(job.graceSeconds).toBe(c.grace);
    }
    // A cleared slug takes the name; a description never reads a variable.
    expect(jobs.get('weekly-report-copy')).toMatchObject({ tags: ['reports', 'weekly'] });
    expect(jobs.get('cafe-rounding')!.description).toBe('Uses $ {HOME}/bin/round; a description with $ {…} in it');
    expect(jobs.get('cafe-rounding')!.timezone).toBe('Europe/Paris');
    expect(yaml).toContain('  # Not imported: keyword filters (Pakyas reads the URL, not the body: send /fail or an exit status)\n  keyword-filtered:');
    expect(yaml).toContain('  # Not imported: manual resume (resume it with pakyas resume)\n  payroll:');
    // What cannot be imported is written commented out, with why.
    expect(yaml).toContain('# Calendar job: Healthchecks schedule "Mon..Fri *-*-* 09:00:00" is not a cron expression Pakyas reads');
    expect(yaml).toContain('# Quartz month end: Healthchecks schedule "0 22 L * *" is not a cron expression Pakyas reads');
    // Integrations become commented channel stubs and routes.
    expect(yaml).toContain('#   ops-email:    # Healthchecks "Ops email" (email)\n#     type: email\n');
    expect(yaml).toContain('#   on-call:    # Healthchecks "On-call" (pd)\n#     type: pagerduty\n#     routing_key: ${PAKYAS_SECRET_ON_CALL_ROUTING_KEY}\n');
    expect(yaml).toContain('#   - match: { job: "*" }\n#     notify: [ops-email, ops-alerts]\n');
    expect(r.stderr).toContain('note: 5 integrations written as commented-out channels and routes');

    const validate = await runCli(['validate', '-f', out]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });

  it('still validates with the stubs uncommented and their secrets set', async () => {
    const out = join(workspace(), 'pakyas.yaml');
    await runCli(['import', 'healthchecks', CHECKS_FILE, '--channels', CHANNELS_FILE, '-o', out, '--project', 'billing']);
    const yaml = readFileSync(out, 'utf8');
    const start = yaml.indexOf('# channels:');
    const end = yaml.indexOf('\n\n', start);
    const block = yaml.slice(start, end).split('\n').slice(0).map((l) => l.replace(/^# ?/, '')).join('\n');
    const uncommented = `${yaml.slice(0, yaml.indexOf('\n# Integrations from Healthchecks'))}\n${block}\n`
      .replace(/tags: \[data\]\n {4}uuid/, 'tags: [data, on-call, deploy-hooks]\n    uuid');
    writeFileSync(out, uncommented);
    const env = Object.fromEntries(['OPS_EMAIL_SMTP_URL', 'OPS_ALERTS_WEBHOOK_URL', 'ON_CALL_ROUTING_KEY', 'DEPLOY_HOOKS_URL', 'MY_PHONE_URL']
      .map((n) => [`PAKYAS_SECRET_${n}`, n.endsWith('SMTP_URL') ? 'smtps://u:p@smtp.example.com:465' : n.endsWith('KEY') ? 'k'.repeat(32) : 'https://hooks.example.com/x']));
    const validate = await runCli(['validate', '-f', out], { env });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });

  it('never overwrites a file without --force', async () => {
    const out = join(workspace(), 'pakyas.yaml');
    writeFileSync(out, 'mine\n');
    const refused = await runCli(['import', 'healthchecks', CHECKS_FILE, '-o', out]);
    expect([refused.code, refused.stderr]).toEqual([1, `pakyas import: ${out} already exists; it was left as it is (pass --force to overwrite it, or -o OTHER_FILE)\n`]);
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
    expect((await runCli(['import', 'healthchecks', CHECKS_FILE, '-o', out, '--force'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('filesystem-backup:');
  });

  it('says what it cannot read', async () => {
    const dir = workspace();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"monitors": []}');
    const r = await runCli(['import', 'healthchecks', bad, '-o', join(dir, 'p.yaml')]);
    expect([r.code, r.stderr]).toEqual([1, `pakyas import healthchecks: ${bad} is not Healthchecks' check list ({"checks": [...]}, as GET /api/v3/checks/ answers)\n`]);
    expect((await runCli(['import', 'nagios'])).stderr).toMatch(/^pakyas import: import from what\? 'nagios' is not a source; use healthchecks or crontab/);
  });
});

describe('pakyas import healthchecks --url', () => {
  let api: Server;
  let url: string;
  const requests: string[] = [];
  // Healthchecks' API as the docs describe it: X-Api-Key; a read-only key gets checks without
  // uuid, ping_url or channels (and a unique_key instead), and no integrations.
  beforeAll(async () => {
    api = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const key = req.headers['x-api-key'];
      const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (key !== 'rw-key' && key !== 'ro-key') return json(401, { error: 'missing api key' });
      if (req.url === '/api/v3/checks/') {
        if (key === 'rw-key') return json(200, CHECKS);
        return json(200, { checks: CHECKS.checks.map(({ uuid, ping_url, update_url, pause_url, resume_url, channels, ...c }) => ({ ...c, unique_key: String(uuid).replace(/-/g, '').padEnd(40, '0') })) });
      }
      if (req.url === '/api/v3/channels/') return key === 'rw-key' ? json(200, CHANNELS) : json(401, { error: 'read-only key' });
      json(404, { error: 'not found' });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => { api?.close(); });

  it('reads checks and integrations from the API and writes what the saved lists give', async () => {
    const dir = workspace();
    const fromApi = join(dir, 'api.yaml');
    const fromFile = join(dir, 'file.yaml');
    const r = await runCli(['import', 'healthchecks', '--url', url, '-o', fromApi, '--project', 'billing'], { env: { HEALTHCHECKS_API_KEY: 'rw-key' } });
    expect(r.code, r.stderr).toBe(0);
    expect(requests).toEqual(expect.arrayContaining(['GET /api/v3/checks/', 'GET /api/v3/channels/']));
    await runCli(['import', 'healthchecks', CHECKS_FILE, '--channels', CHANNELS_FILE, '-o', fromFile, '--project', 'billing']);
    const body = (f: string) => readFileSync(f, 'utf8').split('\n').slice(2).join('\n');
    expect(body(fromApi)).toBe(body(fromFile));
    expect(readFileSync(fromApi, 'utf8').split('\n')[1]).toBe(`# Imported from Healthchecks (${url}) by \`pakyas import healthchecks\`: 48 of 50 checks.`);
  });

  it('with a read-only key: new UUIDs and no integrations, both said plainly', async () => {
    const out = join(workspace(), 'pakyas.yaml');
    const r = await runCli(['import', 'healthchecks', '--url', `${url}/`, '--api-key', 'ro-key', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: 48 checks came without a UUID (a read-only API key leaves it out): those jobs get new UUIDs');
    expect(r.stderr).toContain('note: the integrations could not be read with this key');
    expect([...jobsOf(readFileSync(out, 'utf8')).values()].every((j) => j.uuid === undefined)).toBe(true);
  });

  it('refuses a wrong key, and a missing one', async () => {
    const dir = workspace();
    const wrong = await runCli(['import', 'healthchecks', '--url', url, '--api-key', 'nope', '-o', join(dir, 'p.yaml')]);
    expect([wrong.code, wrong.stderr]).toEqual([1, `pakyas import healthchecks: ${url} refused the API key (HTTP 401)\n`]);
    const missing = await runCli(['import', 'healthchecks', '--url', url, '-o', join(dir, 'p.yaml')], { env: { HEALTHCHECKS_API_KEY: undefined } });
    expect(missing.stderr).toMatch(/^pakyas import healthchecks: --url needs --api-key KEY/);
  });
});

describe.each(backends)('an imported Healthchecks project on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('applies, and each job answers at its old check\'s UUID: a failure is Failed', async () => {
    const project = uniqueProject('hc');
    const out = join(workspace(), 'pakyas.yaml');
    expect((await runCli(['import', 'healthchecks', CHECKS_FILE, '-o', out, '--project', project])).code).toBe(0);
    const applied = await runCli(['apply', '-f', out], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN } });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('48 created, 0 updated, 0 deleted.');
    const backup = CHECKS.checks.find((c) => c.slug === 'database-backup')!;
    const fs = CHECKS.checks.find((c) => c.slug === 'filesystem-backup')!;
    expect(await (await fetch(`${server.url}/ping/${backup.uuid}/start`)).text()).toBe('OK');
    expect(await (await fetch(`${server.url}/ping/${backup.uuid}/1`, { method: 'POST', body: 'pg_dump: connection refused' })).text()).toBe('OK');
    await fetch(`${server.url}/ping/${fs.uuid}`);
    const client = adminClient(server);
    expect(await client.jobs.get.query({ project, job: 'database-backup' })).toMatchObject({ state: 'failed', lastRun: { exitCode: 1 } });
    expect((await client.jobs.get.query({ project, job: 'filesystem-backup' })).state).toBe('on_schedule');
    const paused = CHECKS.checks.find((c) => c.status === 'paused')!;
    expect((await client.jobs.get.query({ project, job: String(paused.slug) })).state).toBe('paused');
  });
});
