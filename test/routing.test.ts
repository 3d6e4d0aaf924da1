// Who hears what, for a reviewer: the routing table, the effect of a change, and routings that are
// probably mistakes. Pure table tests, then the CLI as a process against a real server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mdCell, renderMarkdown } from '../cli/output/plan.js';
import type { JobSpec, ProjectConfig, RouteSpec } from '../schema/types.js';
import { planChanges } from '../server/core/plan.js';
import { describeEffect, routingImpact, routingTable, routingWarnings } from '../server/core/routing.js';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const job = (name: string, tags: string[] = []): JobSpec => ({
  name, description: null, schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags, paused: false, alertAfter: 1,
});
const route = (match: RouteSpec['match'], notify: string[], on: RouteSpec['on'] = ['failed', 'missing', 'overrunning', 'recovered']): RouteSpec => ({ match, notify, on });
const config = (jobs: JobSpec[], routes: RouteSpec[], channels = ['oncall', 'ops']): ProjectConfig => ({
  project: 'p', jobs, routes, channels: channels.map((name) => ({ name, type: 'webhook', settings: { url: 'https://hooks.example/x' } })),
});

describe('the routing table', () => {
  it('lists, for each transition, the channels that hear it and the routes that send it', () => {
    const c = config([job('nightly-backup', ['critical']), job('etl')], [route({ tags: ['critical'] }, ['oncall', 'ops']), route({ job: '*' }, ['ops'], ['failed', 'missing'])]);
    const rows = routingTable(c, 'nightly-backup');
    expect(rows.find((r) => r.transition === 'failed')!.channels).toEqual([{ channel: 'oncall', routes: [1] }, { channel: 'ops', routes: [1, 2] }]);
    expect(rows.find((r) => r.transition === 'late')!.channels).toEqual([]);
    expect(routingTable(c).filter((r) => r.job === 'etl' && r.channels.length > 0).map((r) => r.transition)).toEqual(['failed', 'missing']);
  });
});

describe('the effect of a change on who hears what', () => {
  it.each([
    ['a route losing a channel', [route({ job: 'nightly-*' }, ['oncall', 'ops'])], [route({ job: 'nightly-*' }, ['ops'])],
      ['nightly-backup · failed: oncall stops hearing it; ops still does', 'nightly-backup · missing: oncall stops hearing it; ops still does', 'nightly-backup · overrunning: oncall stops hearing it; ops still does', 'nightly-backup · recovered: oncall stops hearing it; ops still does']],
    ['a route gone, and nobody left', [route({ job: 'nightly-*' }, ['oncall'], ['failed'])], [route({ job: 'etl' }, ['oncall'], ['failed'])],
      ['etl · failed: oncall starts hearing it', 'nightly-backup · failed: oncall stops hearing it; nobody will be told when it fails']],
    ['routes reordered: no effect at all', [route({ job: '*' }, ['ops']), route({ tags: ['x'] }, ['oncall'])], [route({ tags: ['x'] }, ['oncall']), route({ job: '*' }, ['ops'])], []],
  ])('%s', (_name, before, after, expected) => {
    const jobs = [job('nightly-backup'), job('etl')];
    expect(routingImpact(config(jobs, after), config(jobs, before)).map(describeEffect)).toEqual(expected);
  });

  it('says a change to 300 jobs once for each distinct effect', () => {
    const jobs = Array.from({ length: 300 }, (_, i) => job(`job-${String(i).padStart(3, '0')}`, ['batch']));
    const impact = routingImpact(config(jobs, [route({ tags: ['batch'] }, ['ops'], ['failed'])]), config(jobs, [route({ tags: ['batch'] }, ['oncall', 'ops'], ['failed'])]));
    expect(impact.map(describeEffect)).toEqual(['job-000, job-001, job-002 and 297 more jobs · failed: oncall stops hearing it; ops still does']);
  });

  it('counts a tag or a new job as a change of who hears it', () => {
    const routes = [route({ tags: ['critical'] }, ['oncall'], ['failed'])];
    expect(routingImpact(config([job('a', ['critical']), job('b')], routes), config([job('a')], routes)).map(describeEffect))
      .toEqual(['a · failed: oncall starts hearing it']);
  });
});

describe('routings that are probably mistakes', () => {
  it('names a job nobody hears fail, a channel no route uses, a route that matches no job and one that adds nothing', () => {
    const c = config([job('nightly-backup', ['critical']), job('etl')], [
      route({ tags: ['critical'] }, ['oncall']),
      route({ job: 'report-*' }, ['ops']),
      route({ job: 'nightly-*' }, ['oncall'], ['failed']),
    ], ['oncall', 'ops', 'chat']);
    expect(routingWarnings(c)).toEqual([
      { path: ['jobs', 'etl'], message: 'nobody will be told when etl fails or goes missing: no route sends its failed or missing alerts to a channel' },
      { path: ['channels', 'chat'], message: 'no route sends alerts to chat' },
      { path: ['routes', 1, 'match'], message: 'route #2 matches no job' },
      { path: ['routes', 2], message: 'route #3 adds nothing: route #1 already sends every alert it sends' },
    ]);
  });

  it('says nothing of a project that has not set up alerting yet', () => {
    expect(routingWarnings(config([job('a')], [], []))).toEqual([]);
  });
});

describe('routes in a plan', () => {
  it('are what they are: reordering them is no change, and a changed route is named by its match', () => {
    const jobs = [job('a')];
    const a = route({ job: '*' }, ['ops']);
    const b = route({ tags: ['x'] }, ['oncall']);
    expect(planChanges(config(jobs, [b, a]), config(jobs, [a, b]))).toEqual([]);
    expect(planChanges(config(jobs, [route({ job: '*' }, ['oncall', 'ops']), b]), config(jobs, [a, b]))).toEqual([
      { kind: 'route', action: 'update', name: 'job *', fields: [{ field: 'notify', from: 'ops', to: 'oncall, ops' }] },
    ]);
  });

  it('render as a Markdown table that stays a table on GitHub, with | and backticks in names', () => {
    const plan = {
      project: 'p', revision: 3, secretsCompared: true,
      changes: [{ kind: 'route' as const, action: 'create' as const, name: 'job a|b`c', fields: [{ field: 'match', from: null, to: 'job a|b`c' }] }],
      impact: [{ jobs: ['a|b'], transition: 'failed' as const, starts: ['ops'], stops: ['on`call'], still: [] }],
    };
    const html = marked.parse(renderMarkdown(plan), { gfm: true, async: false }) as string;
    const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1]!);
    expect(tables).toHaveLength(2);
    const cells = (t: string) => [...t.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => c[1]!));
    const [changes, impact] = tables.map(cells);
    expect(changes!.map((r) => r.length)).toEqual([4, 4]);
    expect(changes![1]![2]).toContain('a|b`c');
    expect(impact!.map((r) => r.length)).toEqual([5, 5]);
    expect(impact![1]![0]).toBe('a|b');
    expect(impact![1]![3]).toContain('on`call');
    expect(mdCell('<script>')).toBe('\\<script\\>');
  });
});

describe.each(backends)('the CLI on routing, against a server on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const file = (project: string, routes: string) => `version: 1
project: ${project}
channels:
  oncall: { type: webhook, url: "https://hooks.example/oncall" }
  ops: { type: webhook, url: "https://hooks.example/ops" }
routes:
${routes}
jobs:
  nightly-backup: { schedule: "0 3 * * *", tags: [critical] }
  etl: { schedule: "0 4 * * *" }
`;

  it('shows who starts and stops hearing what in plan text, Markdown and JSON, and the routing table offline', async () => {
    const project = uniqueProject('routing');
    const dir = mkdtempSync(join(tmpdir(), 'pakyas-routing-'));
    const path = join(dir, 'pakyas.yaml');
    const env = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
    writeFileSync(path, file(project, '  - { match: { tags: [critical] }, notify: [oncall, ops] }\n  - { match: { job: "*" }, notify: [ops] }'));
    expect((await runCli(['apply', '-f', path], { env })).code).toBe(0);

    writeFileSync(path, file(project, '  - { match: { job: "*" }, notify: [ops] }\n  - { match: { tags: [critical] }, notify: [ops] }'));
    const text = await runCli(['plan', '-f', path], { env });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('Who hears what:\n  nightly-backup · failed: oncall stops hearing it; ops still does');
    const md = await runCli(['plan', '-f', path, '--format', 'markdown'], { env });
    expect(md.stdout).toContain('| `nightly-backup` | failed | — | `oncall` | `ops` |'.replace('`nightly-backup`', 'nightly-backup'));
    const json = JSON.parse((await runCli(['plan', '-f', path, '--json'], { env })).stdout);
    expect(json.impact).toContainEqual({ jobs: ['nightly-backup'], transition: 'failed', starts: [], stops: ['oncall'], still: ['ops'] });

    // Only reordered: no change at all.
    writeFileSync(path, file(project, '  - { match: { job: "*" }, notify: [ops] }\n  - { match: { tags: [critical] }, notify: [oncall, ops] }'));
    expect((await runCli(['plan', '-f', path], { env })).code).toBe(0);

    const routes = await runCli(['routes', 'nightly-backup', '-f', path]);
    expect(routes.stdout).toMatch(/nightly-backup\s+failed\s+ops \(routes #1, #2\), oncall \(route #2\)/);
    const table = JSON.parse((await runCli(['routes', '-f', path, '--json'])).stdout);
    expect(table.find((r: { job: string; transition: string }) => r.job === 'etl' && r.transition === 'late').channels).toEqual([]);
  });

  it('warns from validate when a job goes unheard, and --strict makes it an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakyas-routing-'));
    const path = join(dir, 'pakyas.yaml');
    writeFileSync(path, file('p', '  - { match: { tags: [critical] }, notify: [oncall, ops] }'));
    const r = await runCli(['validate', '-f', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: jobs.etl: nobody will be told when etl fails or goes missing');
    expect((await runCli(['validate', '-f', path, '--strict'])).code).toBe(1);
  });
});
