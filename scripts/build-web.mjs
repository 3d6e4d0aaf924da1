// `npm run build` builds the web view: web/ (React) → dist/web, bundled and minified by esbuild.
// Every asset's name carries its content hash, so the server lets browsers keep it for a year;
// index.html names them and is revalidated each time. Each file also gets brotli and gzip twins.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');
const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});
const names = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = names.find((n) => n.endsWith('.js'));
const css = names.find((n) => n.endsWith('.css'));
const icon = readFileSync(join(root, 'web', 'favicon.svg'));
const favicon = `favicon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
writeFileSync(join(assets, favicon), icon);
const html = readFileSync(join(root, 'web', 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css).replace('%FAVICON%', favicon);
writeFileSync(join(out, 'index.html'), html);

const sizes = [];
for (const [name, path] of [['index.html', join(out, 'index.html')], ...[js, css, favicon].map((n) => [n, join(assets, n)])]) {
  const body = readFileSync(path);
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gz);
  sizes.push({ name, bytes: body.length, gzip: gz.length, brotli: br.length });
}
writeFileSync(join(out, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
if (process.env.PAKYAS_BUILD_QUIET !== '1') {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  for (const s of sizes) console.log(`web: ${s.name} ${kb(s.bytes)} (gzip ${kb(s.gzip)}, brotli ${kb(s.brotli)})`);
}
