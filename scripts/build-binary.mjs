// `npm run build:binary`: the CLI as one executable file per architecture, with no Node.js needed on
// the host (Node's single-executable applications). From the compiled dist/ (npm run build):
//   1. esbuild bundles the CLI and every dependency into one CommonJS script (a single executable
//      runs one CommonJS script, and can require only Node's built-in modules);
//   2. Node writes that script, a V8 code cache of it (same architecture only) and the files the
//      server needs (migrations, PGlite's WebAssembly and data) into a preparation blob;
//   3. postject injects the blob into a copy of the official Node binary of the same version (the
//      running one when it is such a build for that architecture, else the npm registry's
//      node-linux-<arch> package), stripped of its debug symbols.
// Writes dist/pakyas-linux-x64 and dist/pakyas-linux-arm64; `--arch x64` builds one. Downloaded Node
// binaries are cached in $PAKYAS_BUILD_CACHE (default ~/.cache/pakyas-build).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ARCHES = ['x64', 'arm64'];

/** An expected failure: its message is printed, with no stack. */
class BuildError extends Error {}

const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true } } });
const arches = values.arch ?? ARCHES;
const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'pakyas-binary-'));
try {
  for (const a of arches) if (!ARCHES.includes(a)) fail(`unknown --arch ${a}; known: ${ARCHES.join(', ')}`);
  if (!existsSync(join(root, 'dist/cli/main.js'))) fail('dist/ is missing: run `npm run build` first (npm run build:binary does both)');
  const bundle = await bundleCli(work);
  const assets = await assetFiles(work);
  const built = [];
  for (const arch of arches) {
    const t = performance.now();
    const node = await nodeBinary(arch);
    if (!node) continue;
    const out = join(root, 'dist', `pakyas-linux-${arch}`);
    await injectBlob(node, await seaBlob(work, bundle, assets, arch, node), out);
    // A binary for another architecture cannot run here: at least its blob went in (the fuse flipped).
    if (arch === process.arch) smokeTest(out);
    else if (!readFileSync(out).includes(`${SENTINEL_FUSE}:1`)) fail(`${out}: the blob was not injected`);
    built.push(out);
    log(`dist/pakyas-linux-${arch}: ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB in ${seconds(t)}`);
  }
  if (built.length === 0) fail('no binary was built');
  log(`done in ${seconds(started)}`);
} catch (err) {
  if (!(err instanceof BuildError)) throw err;
  process.stderr.write(`build-binary: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The CLI and its dependencies as one CommonJS file. */
async function bundleCli(dir) {
  const outfile = join(dir, 'pakyas.cjs');
  const result = await build({
    entryPoints: [join(root, 'scripts/binary/entry.mjs')],
    outfile, bundle: true, platform: 'node', format: 'cjs', target: `node${process.versions.node.split('.')[0]}`,
    // Whitespace and syntax only: names are kept so that PAKYAS_DEBUG's stack traces stay readable.
    minifyWhitespace: true, minifySyntax: true, legalComments: 'eof',
    // A CommonJS script has no import.meta: modules that resolve files next to themselves get the
    // executable's own location (they are given their files by other means in the binary).
    define: { 'import.meta.url': '__pakyas_import_meta_url' },
    banner: { js: 'var __pakyas_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [inkWithoutTopLevelAwait(), yogaOnDemand()],
    logLevel: 'warning',
  });
  if (result.errors.length > 0) fail('bundling failed');
  return outfile;
}

/**
 * Ink's reconciler awaits at its top level, only when DEV=true, to connect React DevTools (which
 * the binary does not carry). Those blocks are cut out; should Ink change them, the build stops
 * here rather than ship a binary whose dashboard cannot start.
 */
function inkWithoutTopLevelAwait() {
  return { name: 'ink-without-top-level-await', setup(b) {
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      for (const [from, to] of [["await import('./devtools.js');", ''], ['await loadPackageJson();', '{};']]) {
        if (!text.includes(from)) fail(`ink's reconciler no longer contains \`${from}\`: update scripts/build-binary.mjs`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  } };
}

/** `yoga-layout` (awaited at its top level) becomes scripts/binary/yoga.mjs, loaded on demand. */
function yogaOnDemand() {
  return { name: 'yoga-on-demand', setup(b) {
    b.onResolve({ filter: /^yoga-layout$/ }, () => ({ path: join(root, 'scripts/binary/yoga.mjs') }));
  } };
}

/** The files the server reads, under the names server/db/files.ts asks for. */
async function assetFiles(dir) {
  const { ASSETS } = await import(join(root, 'dist/server/db/files.js'));
  const migrationsDir = join(root, 'server/db/migrations');
  const migrations = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort()
    .map((name) => ({ name, text: readFileSync(join(migrationsDir, name), 'utf8') }));
  writeFileSync(join(dir, 'migrations.json'), JSON.stringify(migrations));
  const pglite = join(require.resolve('@electric-sql/pglite'), '..');
  return {
    [ASSETS.migrations]: join(dir, 'migrations.json'),
    [ASSETS.pgliteWasm]: join(pglite, 'pglite.wasm'),
    [ASSETS.initdbWasm]: join(pglite, 'initdb.wasm'),
    [ASSETS.pgliteData]: join(pglite, 'pglite.data'),
  };
}

/**
 * The preparation blob. The V8 code cache (faster start) only when the binary is for this machine:
 * the blob is then written by that very Node binary, the one that will read the cache.
 */
async function seaBlob(dir, main, assets, arch, node) {
  const native = arch === process.arch;
  const output = join(dir, `pakyas-${arch}.blob`);
  const config = join(dir, `sea-${arch}.json`);
  writeFileSync(config, JSON.stringify({ main, output, disableExperimentalSEAWarning: true, useCodeCache: native, useSnapshot: false, assets }));
  const r = spawnSync(native ? node : process.execPath, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (r.status !== 0) fail(`writing the preparation blob failed:\n${r.stderr}${r.stdout}`);
  return output;
}

/** postject (LIEF inside) prints warnings about note sections of Node's it cannot name: harmless. */
function injectBlob(node, blob, out) {
  const partial = `${out}.partial`;
  copyFileSync(node, partial);
  chmodSync(partial, 0o755);
  const { inject } = require('postject');
  return inject(partial, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL_FUSE, overwrite: true })
    .then(() => renameSync(partial, out));
}

/**
 * The official Node binary of this Node's version for `arch`, stripped of its debug symbols (18 MiB
 * of 126) where this machine's `strip` reads that architecture. It is the Node running this build
 * when that is an official (self-contained) build for `arch`; otherwise the registry package
 * node-linux-<arch> (the binary that `npm install node` installs), fetched once into the cache.
 */
async function nodeBinary(arch) {
  const version = process.versions.node;
  const cacheDir = process.env.PAKYAS_BUILD_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pakyas-build');
  const cached = join(cacheDir, `node-v${version}-linux-${arch}`);
  if (existsSync(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });
  const t = performance.now();
  const download = mkdtempSync(join(cacheDir, 'download-'));
  try {
    const pkg = `node-linux-${arch}@${version}`;
    const binary = join(download, 'node');
    if (arch === process.arch && process.platform === 'linux' && selfContained()) {
      copyFileSync(process.execPath, binary);
    } else {
      log(`fetching ${pkg} from the npm registry (once; cached in ${cacheDir})`);
      const packed = spawnSync('npm', ['pack', pkg, '--silent', '--pack-destination', download], { encoding: 'utf8' });
      if (packed.status !== 0) {
        warn(`cannot fetch ${pkg}, so no ${arch} binary is built: ${(packed.stderr || packed.stdout).trim().split('\n').at(-1)}`);
        return null;
      }
      const tarball = join(download, packed.stdout.trim().split('\n').at(-1));
      execFileSync('tar', ['-xzf', tarball, '-C', download, '--strip-components=2', 'package/bin/node']);
    }
    if (!readFileSync(binary).includes(SENTINEL_FUSE)) {
      warn(`${pkg} has no single-executable fuse, so no ${arch} binary is built`);
      return null;
    }
    // This machine's strip reads its own architecture; Debian's binutils-aarch64-linux-gnu brings
    // one for arm64.
    const strips = ['strip', `${{ x64: 'x86_64', arm64: 'aarch64' }[arch]}-linux-gnu-strip`];
    if (strips.some((strip) => spawnSync(strip, ['-o', `${binary}.stripped`, binary]).status === 0)) renameSync(`${binary}.stripped`, binary);
    else log(`no strip here reads the ${arch} binary (for arm64: Debian's binutils-aarch64-linux-gnu); it is used unstripped`);
    renameSync(binary, cached);
    log(`Node ${version} for linux-${arch}: ${(statSync(cached).size / 2 ** 20).toFixed(1)} MiB, ready in ${seconds(t)}`);
    return cached;
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

/** A build of Node like the official one: nothing linked from the system but the C and C++ libraries. */
function selfContained() {
  const v = process.config.variables;
  return !v.node_shared && !v.node_shared_libuv && !v.node_shared_openssl && !v.node_shared_zlib && !v.node_shared_cares;
}

/** The binary starts and says what it is: a broken injection fails the build, not a host. */
function smokeTest(file) {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
  const expected = JSON.parse(readFileSync(join(root, 'dist/build-info.json'), 'utf8'));
  if (r.status !== 0 || !r.stdout.includes(`pakyas ${expected.version} (commit ${expected.commit})`)) {
    fail(`${file} --version did not answer as expected: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  }
}

function seconds(since) {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}

function log(line) {
  process.stdout.write(`build-binary: ${line}\n`);
}

function warn(line) {
  process.stderr.write(`build-binary: warning: ${line}\n`);
}

function fail(message) {
  throw new BuildError(message);
}
