import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../schema/duration.js';
import { loadConfig } from '../schema/load.js';
import { RateLimiter } from '../server/api/rate-limit.js';
import type { RunningServer } from '../server/main.js';
import { adminClient, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

// Random and adversarial input: every case must end in a value or a clear 4xx, never a crash,
// a hang or anything stored half-way.
describe('bad config files', () => {
  const fragments = ['version: 1', 'project: p', 'jobs:', '  a:', '    every: 5m', '    schedule: "0 3 * * *"', 'channels:', '  c:',
    '    type: webhook', '    url: ${X}', 'routes:', '  - match: { job: "*" }', '    notify: [c]', '&a [1,2]', '*a', '- - -', '{', '}', ':', '"', "'",
    '\u0000', '\uFFFD', '\t', '    grace: 10 minutes', '    timezone: Mars/Base', 'x'.repeat(300)];

  it('always returns a config or located errors for random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => {
      const r = loadConfig(text);
      if (!r.ok) for (const e of r.errors) { expect(e.line).toBeGreaterThanOrEqual(1); expect(e.message.length).toBeGreaterThan(0); }
    }), { numRuns: 300 });
  });

  it('always returns a config or located errors for random mixes of real YAML lines', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), (lines) => {
      const r = loadConfig(lines.join('\n'));
      if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
    }), { numRuns: 500 });
  });

  it('refuses deep nesting and alias bombs quickly', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const t = Date.now();
    expect(loadConfig(deep).ok).toBe(false);
    const bomb = ['version: 1', 'project: p', 'a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect(loadConfig(bomb).ok).toBe(false);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('parses only well-formed durations between 1s and 366d', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      const v = parseDuration(s);
      if (v !== null) { expect(v).toBeGreaterThanOrEqual(1); expect(v).toBeLessThanOrEqual(366 * 86400); expect(s).toMatch(/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/); }
    }), { numRuns: 1000 });
  });
});

describe('bad signals over HTTP', () => {
  let server: RunningServer;
  let pingKey: string;
  let project: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', { pingRate: 0 });
    project = uniqueProject('fuzz');
    pingKey = (await adminClient(server).projects.applyConfig.mutate({
      config: { project, jobs: [{ name: 'a', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    })).pingKey;
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('answers every random path, query and body with 2xx or a 4xx, and stores only what got 2xx', async () => {
    const segment = fc.oneof(fc.constantFrom('a', 'start', 'fail', 'log', '0', '255', '256', '-1', '99999999999', '%00', '..', 'A'), fc.string({ maxLength: 70 }).map(encodeURIComponent));
    const query = fc.oneof(fc.constant(''), fc.constantFrom('?rid=x', '?rid=2f1c7c1e-8a0e-4d0e-9a3c-0b1f0c2d3e4f', '?ts=0', '?ts=abc', '?duration_ms=-5', '?duration_ms=99999999999', `?host=${'h'.repeat(300)}`, '?exit_code=300'));
    let stored = 0;
    await fc.assert(fc.asyncProperty(fc.array(segment, { minLength: 0, maxLength: 3 }), query, fc.uint8Array({ maxLength: 3000 }), async (tail, q, body) => {
      const path = `/ping/${pingKey}/${tail.join('/')}${q}`;
      const res = await fetch(`${server.url}${path}`, { method: 'POST', body });
      await res.text();
      expect(res.status).toBeLessThan(500);
      if (res.status === 200) stored++;
    }), { numRuns: 150 });
    const signals = (await adminClient(server).jobs.get.query({ project, job: 'a' })).signals;
    expect(signals.length).toBe(Math.min(stored, 10));
  });

  it('refuses a project of more than 10,000 jobs and stores none of it', async () => {
    const big = uniqueProject('big');
    const jobs = Array.from({ length: 10_001 }, (_, i) => ({ name: `j-${i}`, description: null, schedule: { kind: 'every' as const, everySeconds: 60 }, timezone: 'UTC', graceSeconds: 60, maxDurationSeconds: 60, tags: [], paused: false, alertAfter: 1 }));
    await expect(adminClient(server).projects.applyConfig.mutate({ config: { project: big, jobs, channels: [], routes: [] }, source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null }))
      .rejects.toThrow(/10000/);
    await expect(adminClient(server).jobs.list.query({ project: big })).rejects.toThrow(/no project/);
  });

  it('turns away a runaway sender with 429 and Retry-After, per ping key', async () => {
    const limiter = new RateLimiter(5, 10);
    const results = Array.from({ length: 12 }, () => limiter.take('k', 1000));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results[11]).toEqual({ ok: false, retryAfter: 1 });
    expect(limiter.take('k', 1200).ok).toBe(true);
    expect(limiter.take('other', 1000).ok).toBe(true);

    const limited = await startTestServer('pglite', { pingRate: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await fetch(`${limited.url}/ping/${pingKey}/a`)).status);
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      const r = await fetch(`${limited.url}/ping/${pingKey}/a`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
    } finally {
      await limited.close();
    }
  });
});
