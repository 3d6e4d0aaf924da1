import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../schema/load.js';
import { globMatches } from '../server/core/routes.js';
import type { RunningServer } from '../server/main.js';
import { adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

// Job globs are user text matched during deadline checks: they must match in linear time, and a
// glob with more stars than anyone needs is refused where it is written and where it is applied.

/** What a glob means, said with a RegExp: fine for the short random inputs below, not for users. */
function reference(glob: string, name: string): boolean {
  const source = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(name);
}

describe('matching a job name against a glob', () => {
  it.each([
    ['*', 'anything', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['report-*', 'report-monthly', true],
    ['report-*', 'report-', true],
    ['report-*', 'reports', false],
    ['*-weekly', 'report-weekly', true],
    ['*-weekly', 'report-weekly-2', false],
    ['job-?', 'job-1', true],
    ['job-?', 'job-10', false],
    ['job-?', 'job-', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['a+b', 'aab', false],
    ['(a|b)', 'a', false],
    ['[ab]', 'a', false],
    ['\\d', 'd', false],
    ['*a*b', 'xaxxb', true],
    ['*a*b', 'xaxxbx', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'acb', false],
    ['**', 'x', true],
    ['*?', '', false],
    ['?*?', 'ab', true],
    ['db-*-backup', 'db-eu-west-backup', true],
  ])('%j against %j is %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });

  it('agrees with a RegExp reference on random globs and names', () => {
    const glob = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '*', '?', '\\', '['), maxLength: 12 });
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '*', '?', '\\', '['), maxLength: 16 });
    fc.assert(fc.property(glob, name, (g, n) => globMatches(g, n) === reference(g, n)), { numRuns: 20_000 });
  });

  it('matches a glob against names built from its own pieces as the reference does', () => {
    // Random names rarely match random globs; names made from the glob's literals often do.
    fc.assert(fc.property(fc.array(fc.constantFrom('*', '?', 'a', 'ab', 'b-'), { maxLength: 9 }), fc.array(fc.constantFrom('a', 'b', '-', 'ab', 'x'), { maxLength: 12 }), (parts, fill) => {
      const g = parts.join('');
      const n = parts.map((p, i) => (p === '*' ? fill.slice(i, i + 2).join('') : p === '?' ? 'z' : p)).join('');
      return globMatches(g, n) === reference(g, n) && globMatches(g, n);
    }), { numRuns: 5_000 });
  });

  it('answers the evil glob *a*a*a*a*a*a*b against a 64-character name at once', () => {
    const name = 'a'.repeat(64);
    const started = performance.now();
    expect(globMatches('*a*a*a*a*a*a*b', name)).toBe(false);
    // The longest glob the schema allows, all stars and letters, against the longest name.
    expect(globMatches(`${'*a'.repeat(8)}${'a'.repeat(84)}b`, name)).toBe(false);
    // A RegExp took seconds for the first; the walk takes microseconds. 50 ms leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('a job glob with too many stars', () => {
  const file = (glob: string) => [
    'version: 1', 'project: p', 'channels:', '  ops:', '    type: webhook', '    url: https://example.com/hook',
    'routes:', `  - match: { job: "${glob}" }`, '    notify: [ops]', 'jobs:', '  a:', '    every: 5m',
  ].join('\n');

  it('is refused in pakyas.yaml with a sentence that says how many are allowed', () => {
    const r = loadConfig(file('*a*a*a*a*a*a*a*a*b'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.col}: ${e.path}: ${e.message}`)).toEqual([
      '8:19: routes[0].match.job: "*a*a*a*a*a*a*a*a*b" has too many `*`: a job glob may have at most 8 `*`',
    ]);
  });

  it('is accepted in pakyas.yaml with 8 stars', () => {
    expect(loadConfig(file('*a*a*a*a*a*a*a*b')).ok).toBe(true);
  });
});

describe.each(backends)('the API on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const config = (glob: string) => ({
    project: uniqueProject('glob'),
    jobs: [{ name: 'a', description: null, schedule: { kind: 'every' as const, everySeconds: 300 }, timezone: 'UTC', graceSeconds: 60, maxDurationSeconds: 60, tags: [], paused: false, alertAfter: 1 }],
    channels: [{ name: 'ops', type: 'webhook' as const, settings: { url: 'https://example.com/hook' } }],
    routes: [{ match: { job: glob }, notify: ['ops'], on: ['failed' as const] }],
  });
  const source = { commit: null, ref: null, author: null, source: 'test' };

  it('refuses to apply a route whose job glob has 9 stars, saying why', async () => {
    await expect(adminClient(server).projects.applyConfig.mutate({ config: config('*a*a*a*a*a*a*a*a*b'), source, expectedRevision: null }))
      .rejects.toThrow(/a job glob may have at most 8 `\*`/);
  });

  it('applies a route whose job glob has 8 stars', async () => {
    const r = await adminClient(server).projects.applyConfig.mutate({ config: config('*a*a*a*a*a*a*a*b'), source, expectedRevision: null });
    expect(r.revision).toBe(1);
  });
});
