// `npm start`: the first-run demo. A Pakyas server on a fresh embedded database, the demo project
// applied, its sample jobs running under `pakyas monitor`, and the dashboard. Ctrl-C (or q) stops
// everything and removes the demo's data.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'pakyas.js');
const dataDir = mkdtempSync(join(tmpdir(), 'pakyas-demo-'));
const token = `demo-${randomBytes(16).toString('hex')}`;
const children = new Set();
const timers = [];
let stopping = false;

function run(args, env = {}, stdio = 'ignore') {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio, cwd: root });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const t of timers) clearInterval(t), clearTimeout(t);
  const exits = [...children].map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGTERM'); setTimeout(() => { c.kill('SIGKILL'); r(); }, 5000).unref(); }));
  await Promise.all(exits);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

console.log('Starting a Pakyas server on an embedded database…');
const server = run(['server', '--port', '0', '--data-dir', dataDir], { PAKYAS_ADMIN_TOKEN: token, PAKYAS_ALERT_ALLOW_PRIVATE: 'true' }, ['ignore', 'pipe', 'pipe']);
const url = await new Promise((resolve, reject) => {
  let out = '';
  const onData = (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.once('exit', (code) => reject(new Error(`the server stopped (${code}):\n${out}`)));
}).catch((err) => { console.error(err.message); return stop(1); });
const env = { PAKYAS_SERVER: url, PAKYAS_TOKEN: token, PAKYAS_SPOOL_DIR: join(dataDir, 'spool') };

console.log('Applying examples/demo/pakyas.yaml…');
const applied = await new Promise((resolve) => {
  const c = run(['apply', '-f', join(root, 'examples', 'demo', 'pakyas.yaml'), '--json'], env, ['ignore', 'pipe', 'inherit']);
  let out = '';
  c.stdout.on('data', (d) => { out += d; });
  c.on('exit', (code) => resolve(code === 0 ? JSON.parse(out) : null));
});
if (!applied) await stop(1);
const jobEnv = { ...env, PAKYAS_PING_KEY: applied.pingKey };
// The same states in a browser: the web view on the server's port, signed in with the demo's token.
console.log(`Web view: ${url}/  (sign in with the demo's token: ${token})`);

/** Runs a demo job under `pakyas monitor`, quietly: the dashboard shows what happens. */
const monitorJob = (job) => run(['monitor', job, '-q', '--', join(root, 'examples', 'demo', 'jobs', `${job}.sh`)], jobEnv);
const every = (ms, job, firstInMs = 0) => {
  timers.push(setTimeout(() => { monitorJob(job); timers.push(setInterval(() => monitorJob(job), ms)); }, firstInMs));
};
every(10_000, 'backup', 500);
every(15_000, 'invoice-export', 1500);
every(30_000, 'etl-import', 2500);
// report-mailer never runs: Pakyas marks it Missing at its first deadline, 25 s from now.
// cache-warmer is due at the top of each minute but runs at second 20: outside its window, Late.
const toSecond20 = (80_000 - (Date.now() % 60_000)) % 60_000;
every(60_000, 'cache-warmer', toSecond20);

if (process.stdout.isTTY && process.stdin.isTTY) {
  const dashboard = run(['dashboard'], env, 'inherit');
  dashboard.on('exit', () => void stop(0));
} else {
  // No terminal (CI, a pipe): show the states now and then instead of the dashboard.
  console.log(`Demo running against ${url}; no terminal for the dashboard, so here is 'pakyas status' every 15 s. Ctrl-C stops it.`);
  const show = () => run(['status'], env, 'inherit');
  timers.push(setInterval(show, 15_000));
  if (process.env.PAKYAS_DEMO_SECONDS) timers.push(setTimeout(() => void stop(0), Number(process.env.PAKYAS_DEMO_SECONDS) * 1000));
}
