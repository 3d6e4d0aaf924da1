// Hosts install pakyas from the server they report to: /install.sh, /download/SHA256SUMS and
// /download/pakyas-linux-<arch>, public but confined to those names, and an install.sh that
// installs nothing it cannot verify.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { ensureBinary } from './helpers/binary.js';
import { repoRoot } from './helpers/cli.js';
import { freshHost, INSTALL_TOOLS, removeHosts, sh } from './helpers/host.js';
import { cleanUp, startTestServer } from './helpers/server.js';

const NAME = `pakyas-linux-${process.arch}`;
const WGET_TOOLS = INSTALL_TOOLS.filter((t) => t !== 'curl' && t !== 'sha256sum').concat('wget', 'shasum', 'perl');
const hasWget = WGET_TOOLS.every((t) => existsSync(`/usr/bin/${t}`) || existsSync(`/bin/${t}`));

/** A raw GET: the path goes out exactly as written (fetch would normalise `..`). */
function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('installing pakyas from the server', () => {
  let server: RunningServer;
  let binary: Buffer;
  let version: string;
  beforeAll(async () => {
    binary = readFileSync(await ensureBinary());
    const info = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8'));
    version = `pakyas ${info.version} (commit ${info.commit})`;
    server = await startTestServer('pglite');
  }, 180_000);
  afterAll(async () => { await server?.close(); await cleanUp(); removeHosts(); });

  it('serves install.sh, SHA256SUMS and the binary to anyone (no token), with the security headers', async () => {
    const script = await get(server.url, '/install.sh');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(script.body.toString()).toMatch(/^#!\/bin\/sh\n/);
    expect(script.body.toString()).toContain(`server='${server.url}'`);

    const sums = await get(server.url, '/download/SHA256SUMS');
    expect(sums.status).toBe(200);
    expect(sums.body.toString().split('\n')).toContain(`${sha256(binary)}  ${NAME}`);

    const head = await get(server.url, `/download/${NAME}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(binary.length);
    const full = await get(server.url, `/download/${NAME}`);
    expect(sha256(full.body)).toBe(sha256(binary));

    for (const r of [script, sums, head, full]) {
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it.each([
    '/download/../package.json',
    '/download/%2e%2e/package.json',
    '/download/%2e%2e%2fpackage.json',
    '/download/..%2fpackage.json',
    '/download/%252e%252e%252fpackage.json',
    '/download/..%5cpackage.json',
    `/download/${NAME}/../../package.json`,
    `/download/${NAME}%2f..%2f..%2fpackage.json`,
    '/download//etc/passwd',
    '/download/%2fetc%2fpasswd',
    '/download/build-info.json',
    '/download/',
    '/install.sh/../package.json',
  ])('serves no other file: %s is not found', async (path) => {
    const r = await get(server.url, path);
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain('"name"');
    expect(r.body.toString()).not.toContain('root:');
  });

  it('answers only GET and HEAD there', async () => {
    const r = await get(server.url, '/download/SHA256SUMS', {}, 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('writes no Host header into install.sh that could leave its quotes', async () => {
    for (const host of ["evil'; rm -rf ~; echo '", 'a b', 'x$(id)', 'x`id`']) {
      const r = await get(server.url, '/install.sh', { host });
      expect(r.status).toBe(400);
    }
    const named = await get(server.url, '/install.sh', { host: 'pakyas.internal:8080' });
    expect(named.body.toString()).toContain("server='http://pakyas.internal:8080'");
  });

  it('install.sh installs into a prefix with nothing but sh, curl and coreutils, and says what it did', async () => {
    const host = freshHost();
    const prefix = join(host.root, 'usr', 'local');
    const r = await sh(`curl -fsSL "${server.url}/install.sh" | sh -s -- --prefix "${prefix}"`, { PATH: host.path, HOME: host.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`installed ${version} for linux-${process.arch} at ${prefix}/bin/pakyas (sha256 ${sha256(binary)})`);
    expect(r.stdout).toContain(`export PAKYAS_SERVER=${server.url}`);
    expect(readdirSync(join(prefix, 'bin'))).toEqual(['pakyas']);
    expect(statSync(join(prefix, 'bin', 'pakyas')).mode & 0o777).toBe(0o755);
    const installed = await sh('pakyas --version', { PATH: `${prefix}/bin:${host.path}` });
    expect(installed.stdout).toBe(`${version}\n`);
  });

  it.skipIf(!hasWget)('install.sh works with wget and shasum too, and takes PAKYAS_PREFIX', async () => {
    const host = freshHost(WGET_TOOLS);
    const script = join(host.root, 'install.sh');
    writeFileSync(script, (await get(server.url, '/install.sh')).body);
    const prefix = join(host.root, 'opt');
    const r = await sh(`sh "${script}"`, { PATH: host.path, HOME: host.root, PAKYAS_PREFIX: prefix });
    expect(r.code, r.stderr).toBe(0);
    expect((await sh(`"${prefix}/bin/pakyas" --version`, { PATH: host.path })).stdout).toBe(`${version}\n`);
  });

  it('refuses a tampered binary: fails loudly and installs nothing', async () => {
    // Between the host and the server, something alters the binary (one byte) but not SHA256SUMS.
    const proxy: Server = createServer((req, res) => {
      const upstream = request(`${server.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        if (req.url !== `/download/${NAME}`) {
          res.writeHead(up.statusCode!, up.headers);
          return void up.pipe(res);
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          body[body.length - 100] ^= 0x01;
          res.writeHead(200, { 'content-length': String(body.length) });
          res.end(body);
        });
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const via = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const host = freshHost();
      const prefix = join(host.root, 'usr', 'local');
      const r = await sh(`curl -fsSL "${via}/install.sh" | sh -s -- --prefix "${prefix}"`, { PATH: host.path, HOME: host.root });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`pakyas install: error: checksum mismatch for ${NAME}: expected ${sha256(binary)}, got `);
      expect(r.stderr).toContain('nothing was installed');
      expect(existsSync(join(prefix, 'bin'))).toBe(false);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('says plainly when the server has no binaries', async () => {
    const downloads = mkdtempSync(join(tmpdir(), 'pakyas-downloads-'));
    const empty = await startTestServer('pglite', { downloadsDir: downloads });
    try {
      const sums = await get(empty.url, '/download/SHA256SUMS');
      expect(sums.status).toBe(404);
      expect(sums.body.toString()).toContain('npm run build:binary');
      const host = freshHost();
      const r = await sh(`curl -fsSL "${empty.url}/install.sh" | sh -s -- --prefix "${host.root}/p"`, { PATH: host.path, HOME: host.root });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`pakyas install: error: cannot download ${empty.url}/download/SHA256SUMS`);
      expect(existsSync(join(host.root, 'p'))).toBe(false);
    } finally {
      await empty.close();
      rmSync(downloads, { recursive: true });
    }
  });
});
