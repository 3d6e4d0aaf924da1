// Issue 19's "done": a fresh host with only curl installs pakyas from a running Pakyas server, and a
// crontab line wrapped with `pakyas monitor` reports a failure that shows up in `pakyas status`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from './helpers/binary.js';
import { runCli } from './helpers/cli.js';
import { freshHost, removeHosts, sh } from './helpers/host.js';
import { ADMIN, cleanUp } from './helpers/server.js';
import { processStorage, removeDataDirs, spawnServer, type ServerProcess } from './helpers/server-process.js';

/**
 * What cron does with one line of a crontab: the variable lines set the environment on top of
 * cron's own (PATH=/usr/bin:/bin, SHELL=/bin/sh, HOME, LOGNAME), and the command after the five
 * time fields runs under `/bin/sh -c`.
 */
function cronRun(crontab: string, home: string) {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', SHELL: '/bin/sh', HOME: home, LOGNAME: 'root' };
  let command: string | null = null;
  for (const line of crontab.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const variable = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (variable) env[variable[1]!] = variable[2]!;
    else command ??= line.split(/\s+/).slice(5).join(' ');
  }
  return sh(command!, env);
}

describe('a fresh host', () => {
  let server: ServerProcess;
  let pingKey: string;
  let file: string;
  beforeAll(async () => {
    await ensureBinary(); // what `pakyas server` hands out: the binaries built beside it
    const storage = processStorage();
    server = await spawnServer({ ...storage.env, PAKYAS_ADMIN_TOKEN: ADMIN }, storage.args);
    file = join(mkdtempSync(join(tmpdir(), 'pakyas-reports-')), 'pakyas.yaml');
    writeFileSync(file, 'version: 1\nproject: reports\njobs:\n  nightly-report:\n    schedule: "0 4 * * *"\n');
    const applied = await runCli(['apply', '-f', file, '--json'], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN } });
    expect(applied.code, applied.stderr).toBe(0);
    pingKey = JSON.parse(applied.stdout).pingKey;
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    removeDataDirs();
    removeHosts();
    rmSync(dirname(file), { recursive: true, force: true });
    await cleanUp();
  });

  it('installs pakyas with curl from its server, and a failing cron job wrapped in pakyas monitor shows up failed in pakyas status', async () => {
    // The host: sh, curl and the coreutils install.sh uses; no node, no npm, no pakyas.
    const host = freshHost();
    const prefix = join(host.root, 'usr', 'local');
    const install = await sh(`curl -fsSL ${server.url}/install.sh | sh -s -- --prefix ${prefix}`, { PATH: host.path, HOME: host.root });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain(`at ${prefix}/bin/pakyas`);

    const crontab = `
# written as examples/crontab/crontab says
PAKYAS_SERVER=${server.url}
PAKYAS_PING_KEY=${pingKey}
PATH=${prefix}/bin:/usr/bin:/bin
0 4 * * *   pakyas monitor nightly-report -- sh -c 'echo "report: disk full" >&2; exit 4'
`;
    const ran = await cronRun(crontab, host.root);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toContain('report: disk full');
    expect(ran.stderr).toContain('[pakyas] Finish signal sent (exit: 4, ');

    const status = await sh(`${prefix}/bin/pakyas status nightly-report --json`, { PATH: host.path, HOME: host.root, PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ project: 'reports', job: 'nightly-report', state: 'failed', health: 'failed', lastRun: { exitCode: 4 } }]);
    expect(readFileSync(join(prefix, 'bin', 'pakyas')).subarray(1, 4).toString()).toBe('ELF');
  });
});
