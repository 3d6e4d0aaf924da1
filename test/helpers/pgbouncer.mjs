// A PgBouncer of the test's own, in transaction mode, in front of the test Postgres: a generated
// config in a temporary directory, a free port, trust authentication. Plain JavaScript, so that the
// benchmarks (bench/pooler.mjs) start it the same way the tests do.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The pgbouncer binary (Debian installs it in /usr/sbin, often not on a user's PATH), or null. */
export function findPgbouncer() {
  for (const candidate of ['pgbouncer', '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch { /* not this one */ }
  }
  return null;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Starts PgBouncer in front of the Postgres at `target` (a postgres:// URL). `databases` maps the
 * names clients connect to onto extra settings of that entry (e.g. a connect_query); each reaches
 * the target's database. Resolves to `url(name)`, the URL of one of them through the pooler, and
 * `stop()`.
 *
 * `settings` are more lines for its [pgbouncer] section.
 *
 * @param {{ target: string, databases: Record<string, string>, poolSize?: number, settings?: string[] }} options
 */
export async function startPgbouncer({ target, databases, poolSize = 5, settings = [] }) {
  const binary = findPgbouncer();
  if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
  const real = new URL(target);
  const user = decodeURIComponent(real.username || 'postgres');
  const dbname = real.pathname.slice(1) || user;
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-pgbouncer-'));
  const port = await freePort();
  const entries = Object.entries(databases)
    .map(([name, extra]) => `${name} = host=${real.hostname} port=${real.port || 5432} dbname=${dbname}${extra ? ` ${extra}` : ''}`);
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]', ...entries, '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1', `listen_port = ${port}`,
    // No Unix socket: it would be shared by every PgBouncer on the machine in /tmp.
    'unix_socket_dir =',
    'auth_type = trust', `auth_file = ${join(dir, 'users.txt')}`, `admin_users = ${user}`,
    'pool_mode = transaction',
    // Few server connections for many clients, so that clients really do take turns on them.
    `default_pool_size = ${poolSize}`, 'reserve_pool_size = 0', 'max_client_conn = 2000',
    ...settings, '',
  ].join('\n'));
  // PgBouncer refuses to run as root; as root it is told to become nobody, who must read the config.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    for (const f of ['users.txt', 'pgbouncer.ini']) chmodSync(join(dir, f), 0o644);
  }
  const child = spawn(binary, [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pgbouncer did not start:\n${out}`)), 10_000);
    const check = () => {
      if (/listening on 127\.0\.0\.1/.test(out)) { clearTimeout(timer); resolve(); } else setTimeout(check, 50);
    };
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pgbouncer exited with ${code}:\n${out}`)); });
    check();
  });
  return {
    port,
    pid: child.pid,
    /** A URL of database `name` through this PgBouncer. */
    url(name) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.pathname = `/${name}`;
      return u.toString();
    },
    /** What PgBouncer has logged so far. */
    output: () => out,
    stop: () => new Promise((resolve) => {
      const done = () => { rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    }),
  };
}
