import { describe, expect, it } from 'vitest';
import type { ChannelSpec, JobSpec, ProjectConfig } from '../schema/types.js';
import { describeField, planChanges } from '../server/core/plan.js';

const job = (name: string, o: Partial<JobSpec> = {}): JobSpec => ({
  name, description: null, schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
});
const slack = (name: string, url: string): ChannelSpec => ({ name, type: 'slack', settings: { webhook_url: url, channel: '#ops' } });
const config = (o: Partial<ProjectConfig> = {}): ProjectConfig => ({ project: 'billing', jobs: [], channels: [], routes: [], ...o });

describe('planning the change from the server\'s config to the file\'s', () => {
  it('finds nothing to do when they are equal', () => {
    const c = config({ jobs: [job('a')], channels: [slack('ops', 'https://hooks/x')], routes: [{ match: { job: '*' }, notify: ['ops'], on: ['failed'] }] });
    expect(planChanges(c, structuredClone(c))).toEqual([]);
  });

  it('creates everything for a project that does not exist', () => {
    const changes = planChanges(config({ jobs: [job('a')] }), null);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'job', action: 'create', name: 'a' });
    expect(changes[0]!.fields.map((f) => `${f.field}=${f.to}`)).toEqual(['schedule=0 3 * * *', 'timezone=UTC', 'grace=5m', 'max_duration=1h', 'alert_after=1', 'paused=false']);
  });

  it('updates only the fields that changed, in the file\'s own words', () => {
    const changes = planChanges(config({ jobs: [job('a', { graceSeconds: 600 })] }), config({ jobs: [job('a')] }));
    expect(changes).toEqual([{ kind: 'job', action: 'update', name: 'a', fields: [{ field: 'grace', from: '5m', to: '10m' }] }]);
    expect(describeField(changes[0]!.fields[0]!)).toBe('grace 5m → 10m');
  });

  it('sees a switch from cron to interval as two field changes', () => {
    const changes = planChanges(config({ jobs: [job('a', { schedule: { kind: 'every', everySeconds: 900 } })] }), config({ jobs: [job('a')] }));
    expect(changes[0]!.fields).toEqual([
      { field: 'schedule', from: '0 3 * * *', to: null },
      { field: 'every', from: null, to: '15m' },
    ]);
  });

  it('deletes what the file no longer has', () => {
    const changes = planChanges(config({ jobs: [job('a')] }), config({ jobs: [job('a'), job('b')], channels: [slack('old', 'https://x')] }));
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['delete channel old', 'delete job b']);
  });

  it('never shows a secret, only that it changed', () => {
    const changes = planChanges(config({ channels: [slack('ops', 'https://hooks/NEW-SECRET')] }), config({ channels: [slack('ops', 'https://hooks/OLD-SECRET')] }));
    expect(JSON.stringify(changes)).not.toMatch(/SECRET/);
    expect(changes[0]!.fields).toEqual([{ field: 'webhook_url', from: '(secret)', to: '(secret)', secret: true }]);
    expect(describeField(changes[0]!.fields[0]!)).toBe('webhook_url changed (secret)');
  });

  it('compares routes by what they are, not their position', () => {
    const r1 = { match: { tags: ['critical'] }, notify: ['ops'], on: ['failed' as const] };
    const r2 = { match: { job: '*' }, notify: ['ops'], on: ['missing' as const] };
    const changes = planChanges(config({ channels: [slack('ops', 'u')], routes: [r1] }), config({ channels: [slack('ops', 'u')], routes: [r1, r2] }));
    expect(changes).toEqual([{ kind: 'route', action: 'delete', name: 'job *', fields: [
      { field: 'match', from: 'job *', to: null }, { field: 'notify', from: 'ops', to: null }, { field: 'on', from: 'missing', to: null },
    ] }]);
  });
});
