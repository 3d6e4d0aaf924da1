// The single binary against the npm-installed CLI: start-up of `pakyas monitor job -q -- true`
// against a running server (start and finish signals included) and of `pakyas --version`, beside
// two baselines measured in the same run: `/bin/true` (starting any process) and `node -e 0`
// (starting Node). Builds the binary if dist/ is newer (scripts/build-binary.mjs) and installs the
// npm package from `npm pack` into a temporary prefix, as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, fmt, jobSpec, machine, percentile, source, spawnServer } from './lib.mjs';

const RUNS = Number(process.env.PAKYAS_BENCH_RUNS ?? 30);
const root = fileURLToPath(new URL('..', import.meta.url));
const binary = join(root, 'dist', `pakyas-linux-${process.arch}`);

console.log(`binary vs npm CLI start-up, ${RUNS} runs each, interleaved; ${machine()}`);
if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(join(root, 'dist', 'build-info.json')).mtimeMs) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-binary.mjs'), '--arch', process.arch], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
  console.log(`built ${binary} in ${fmt((performance.now() - t) / 1000)} s`);
}

const work = mkdtempSync(join(tmpdir(), 'pakyas-bench-binary-'));
const nodeDir = dirname(process.execPath);
const PATH = `${nodeDir}:/usr/bin:/bin`;
const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
const tarball = join(work, pack.stdout.trim().split('\n').at(-1));
const install = spawnSync('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--no-audit', '--no-fund', '--prefer-offline', tarball], { encoding: 'utf8', env: { ...process.env, PATH: `${nodeDir}:${process.env.PATH}` } });
if (pack.status !== 0 || install.status !== 0) throw new Error(`npm pack or install failed:\n${pack.stderr}${install.stderr}`);
const installed = join(work, 'prefix', 'bin', 'pakyas');

const b = await spawnServer('pglite');
try {
  const r = await createClient({ server: b.url, token: ADMIN }).projects.applyConfig.mutate({ config: { project: 'startup', jobs: [jobSpec('job')], channels: [], routes: [] }, source, expectedRevision: null });
  const env = { PATH, HOME: work, PAKYAS_SERVER: b.url, PAKYAS_PING_KEY: r.pingKey, PAKYAS_SPOOL_DIR: join(work, 'spool') };
  const cases = {
    '/bin/true': ['/bin/true', []],
    'node -e 0': [process.execPath, ['-e', '0']],
    'binary --version': [binary, ['--version']],
    'npm CLI --version': [installed, ['--version']],
    'binary monitor': [binary, ['monitor', 'job', '-q', '--', 'true']],
    'npm CLI monitor': [installed, ['monitor', 'job', '-q', '--', 'true']],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [file, args]] of Object.entries(cases)) {
      const t = performance.now();
      const run = spawnSync(file, args, { env, stdio: 'ignore' });
      times[name].push(performance.now() - t);
      if (run.status !== 0) throw new Error(`${name} exited ${run.status}`);
    }
  }
  const median = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, percentile(v, 50)]));
  for (const [name, v] of Object.entries(times)) console.log(`${name.padEnd(18)} median ${fmt(median[name], 1).padStart(6)} ms  p90 ${fmt(percentile(v, 90), 1).padStart(6)} ms`);
  console.log(`monitor, binary / npm CLI: ratio ${fmt(median['binary monitor'] / median['npm CLI monitor'], 2)}`);
  console.log(`monitor over the node -e 0 baseline: binary ${fmt(median['binary monitor'] / median['node -e 0'], 2)}, npm CLI ${fmt(median['npm CLI monitor'] / median['node -e 0'], 2)}`);
  console.log(`--version over the node -e 0 baseline: binary ${fmt(median['binary --version'] / median['node -e 0'], 2)}, npm CLI ${fmt(median['npm CLI --version'] / median['node -e 0'], 2)}`);
  console.log(`binary size: ${fmt(statSync(binary).size / 2 ** 20, 1)} MiB`);
} finally {
  await b.stop();
  rmSync(work, { recursive: true, force: true });
}
