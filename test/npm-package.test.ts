// The npm package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
// temporary prefix (only runtime dependencies, no build at install), and the installed `pakyas`
// validates a file, runs the server, and monitors a command against it.
//
// The tarball is packed with --ignore-scripts: `npm pack` would rebuild dist/ (prepack, prepare)
// while other test files run from it. npm test builds dist/ before any test runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';
import { freshHost, removeHosts, sh } from './helpers/host.js';
import { ADMIN } from './helpers/server.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

/** Source files under these directories compile to dist/; each must be in the package, and nothing else. */
const COMPILED = ['cli', 'server', 'schema'];

function sources(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => `dist/${dir}/${f.replace(/\.tsx?$/, '.js')}`);
}

describe('the npm package', () => {
  let work: string;
  let tarball: string;
  let packed: string[];
  let prefix: string;
  let env: Record<string, string>;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pakyas-npm-'));
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const [report] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, report!.filename);
    packed = report!.files.map((f) => f.path).sort();

    prefix = join(work, 'prefix');
    // Node and npm are found on PATH, as on a host with Node installed; nothing of this clone is.
    const path = `${dirname(process.execPath)}:/usr/bin:/bin`;
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: work, encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
    });
    expect(install.status, install.stderr).toBe(0);
    env = { PATH: `${prefix}/bin:${path}`, HOME: work, NO_COLOR: '1' };
  }, 180_000);
  afterAll(() => { rmSync(work, { recursive: true, force: true }); removeHosts(); });

  it('holds the compiled code, complete and with nothing stale, the migrations and the schema; no binaries, sources or tests', () => {
    const expected = COMPILED.flatMap(sources);
    const compiled = packed.filter((f) => f.endsWith('.js') && f.startsWith('dist/'));
    expect(compiled.sort()).toEqual(expected.sort());
    const migrations = readdirSync(join(repoRoot, 'server', 'db', 'migrations')).map((f) => `dist/server/db/migrations/${f}`);
    expect(packed).toEqual(expect.arrayContaining([...migrations, 'bin/pakyas.js', 'dist/build-info.json', 'dist/pakyas.schema.json', 'pakyas.schema.json', 'package.json', 'README.md']));
    expect(packed.filter((f) => /pakyas-linux|\.ts$|^test\/|^scripts\/|^node_modules\//.test(f))).toEqual([]);
  });

  it('installs with its runtime dependencies only', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'pakyas');
    const deps = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    for (const name of Object.keys(deps.dependencies)) expect(existsSync(join(installed, 'node_modules', name)), name).toBe(true);
    // tRPC names typescript as a peer dependency, which npm installs; nothing else of the build comes.
    expect(Object.keys(deps.devDependencies).filter((name) => existsSync(join(installed, 'node_modules', name)))).toEqual(['typescript']);
    expect(spawnSync('npm', ['explain', 'typescript'], { cwd: installed, encoding: 'utf8' }).stdout).toMatch(/peer typescript@"[^"]+" from @trpc\/server/);
    expect(readdirSync(join(installed, 'dist', 'server', 'db', 'migrations')).length).toBeGreaterThan(0);
  });

  it('prints its version and the commit it was built from', async () => {
    const info = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8'));
    expect(info.version).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    const r = await sh('pakyas --version', env);
    expect(r.stdout).toBe(`pakyas ${info.version} (commit ${info.commit})\n`);
    expect(info.commit).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
  });

  it('validates a file', async () => {
    const r = await sh(`pakyas validate -f ${join(repoRoot, 'examples', 'basic', 'pakyas.yaml')}`, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('is valid');
  });

  it('runs the server, and monitors a command against it', async () => {
    let server: ServerProcess | null = null;
    try {
      server = await spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: ADMIN }, ['--data-dir', join(work, 'data')], join(prefix, 'bin', 'pakyas'));
      writeFileSync(join(work, 'pakyas.yaml'), 'version: 1\nproject: shop\njobs:\n  invoices:\n    every: 1d\n');
      const client = { ...env, PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
      const applied = await sh(`cd ${work} && pakyas apply --json`, client);
      expect(applied.code, applied.stderr).toBe(0);
      const pingKey = JSON.parse(applied.stdout).pingKey;

      const ran = await sh(`pakyas monitor invoices -- sh -c 'echo 12 invoices; exit 0'`, { ...client, PAKYAS_PING_KEY: pingKey });
      expect(ran.code).toBe(0);
      expect(ran.stdout).toBe('12 invoices\n');
      expect(ran.stderr).toContain('[pakyas] Finish signal sent (exit: 0, ');
      const status = await sh('pakyas status invoices --json', client);
      expect(JSON.parse(status.stdout)).toMatchObject([{ job: 'invoices', state: 'on_schedule', lastRun: { exitCode: 0 } }]);

      // Installed from npm, the server has no binaries to hand out, and says how to get them.
      const sums = await fetch(`${server.url}/download/SHA256SUMS`);
      expect(sums.status).toBe(404);
      expect(await sums.text()).toContain('--downloads DIR');
      expect(await server.stop()).toBe(0);
    } finally {
      await server?.stop();
    }
  });

  it('is not found on a host without Node: that is what the binary is for', async () => {
    const host = freshHost(['sh']);
    const r = await sh(`${prefix}/bin/pakyas --version`, { PATH: host.path });
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/node/);
  });
});
