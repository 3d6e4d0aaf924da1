import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { ADMIN, backends, cleanUp, startTestServer } from './helpers/server.js';
import { processStorage, removeDataDirs, spawnServer } from './helpers/server-process.js';

// /metrics names every project and job and their states. An operator can require a token for it,
// and once the server knows the name it is reached by, it answers only requests addressed to that
// name (or to an IP address): a web page whose own host name was pointed at the server (DNS
// rebinding) sends its own name in Host and is refused.
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  // node:http, not fetch: a test must be able to send any Host header, as a browser being rebound does.
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(backends)('who may read /metrics, on %s', (backend) => {
  const servers: RunningServer[] = [];
  const start = async (options: Parameters<typeof startTestServer>[1]) => {
    const s = await startTestServer(backend, options);
    servers.push(s);
    return s;
  };
  afterAll(async () => { for (const s of servers) await s.close(); await cleanUp(); });

  it('serves anyone, under any host name, when nothing is configured', async () => {
    const server = await start({});
    expect((await get(`${server.url}/metrics`, { host: 'evil.example' })).status).toBe(200);
  });

  it('with a metrics token, answers 401 without it or with another, and serves it to its bearer', async () => {
    const server = await start({ metricsToken: METRICS_TOKEN });
    const none = await get(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="pakyas metrics"');
    expect(none.body).toBe('A bearer token is required for /metrics: Authorization: Bearer $PAKYAS_METRICS_TOKEN\n');
    expect((await get(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await get(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` })).status).toBe(401);
    // The API's admin token is for the API; it does not open /metrics.
    expect((await get(`${server.url}/metrics`, { authorization: `Bearer ${ADMIN}` })).status).toBe(401);
    const ok = await get(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('pakyas_jobs{');
    // The other endpoints are not behind it.
    expect((await get(`${server.url}/healthz`)).status).toBe(200);
  });

  it('with a public URL, refuses requests addressed to another host name with 421, and serves its own name and IP addresses', async () => {
    const server = await start({ publicUrl: 'https://Pakyas.Example.com/' });
    const rebound = await get(`${server.url}/metrics`, { host: `attacker.example:${server.port}` });
    expect(rebound.status).toBe(421);
    expect(rebound.body).toBe('This server answers /metrics only when addressed as pakyas.example.com or by IP address, not as attacker.example\n');
    expect((await get(`${server.url}/metrics`, { host: 'localhost' })).status).toBe(421);
    for (const host of ['pakyas.example.com', 'PAKYAS.example.com:443', 'pakyas.example.com.', `127.0.0.1:${server.port}`, '[::1]:8080', '10.1.2.3']) {
      expect((await get(`${server.url}/metrics`, { host })).status, host).toBe(200);
    }
    // Only /metrics: signals and the API answer whatever the Host.
    expect((await get(`${server.url}/healthz`, { host: 'attacker.example' })).status).toBe(200);
  });

  it('checks the host name before the token', async () => {
    const server = await start({ publicUrl: 'https://pakyas.example.com', metricsToken: METRICS_TOKEN });
    expect((await get(`${server.url}/metrics`, { host: 'attacker.example', authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(421);
    expect((await get(`${server.url}/metrics`, { host: 'pakyas.example.com' })).status).toBe(401);
    expect((await get(`${server.url}/metrics`, { host: 'pakyas.example.com', authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });
});

describe('pakyas server and /metrics', () => {
  afterAll(async () => { removeDataDirs(); await cleanUp(); });

  it('takes PAKYAS_METRICS_TOKEN and PAKYAS_PUBLIC_URL from the environment', async () => {
    const { env, args } = processStorage();
    const server = await spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_METRICS_TOKEN: METRICS_TOKEN, PAKYAS_PUBLIC_URL: 'https://pakyas.example.com' }, args);
    try {
      expect((await get(`${server.url}/metrics`)).status).toBe(401);
      expect((await get(`${server.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
      expect((await get(`${server.url}/metrics`, { host: 'attacker.example', authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(421);
    } finally {
      await server.stop();
    }
  });

  it('answers only to the host name --host names', async () => {
    const { env, args } = processStorage();
    const server = await spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: ADMIN }, [...args, '--host', 'localhost']);
    try {
      const port = new URL(server.url).port;
      expect((await get(`${server.url}/metrics`, { host: `localhost:${port}` })).status).toBe(200);
      expect((await get(`${server.url}/metrics`, { host: `attacker.example:${port}` })).status).toBe(421);
    } finally {
      await server.stop();
    }
  });

  it.each([
    [{ PAKYAS_METRICS_TOKEN: 'too-short' }, 'pakyas server: could not start: PAKYAS_METRICS_TOKEN must be at least 32 characters (it has 9); make one with: openssl rand -hex 32'],
    [{ PAKYAS_PUBLIC_URL: 'pakyas.example.com' }, "pakyas server: could not start: PAKYAS_PUBLIC_URL must be the server's URL as its users reach it, like https://pakyas.example.com, not 'pakyas.example.com'"],
  ])('refuses to start with %j, saying why', async (bad, message) => {
    const { env, args } = processStorage();
    await expect(spawnServer({ ...env, PAKYAS_ADMIN_TOKEN: ADMIN, ...bad }, args)).rejects.toThrow(message);
  });
});
