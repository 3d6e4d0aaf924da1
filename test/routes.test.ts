import { describe, expect, it } from 'vitest';
import type { RouteSpec, Transition } from '../schema/types.js';
import { DEFAULT_ROUTE_ON } from '../schema/types.js';
import { channelsFor } from '../server/core/routes.js';

const routes: RouteSpec[] = [
  { match: { tags: ['critical'] }, notify: ['oncall', 'ops'], on: [...DEFAULT_ROUTE_ON] },
  { match: { job: '*' }, notify: ['ops'], on: ['failed', 'missing', 'recovered'] },
  { match: { job: 'report-*', tags: ['finance'] }, notify: ['finance-mail'], on: ['late', 'failed'] },
];
const backup = { name: 'nightly-backup', tags: ['critical', 'db'] };
const drain = { name: 'queue-drain', tags: [] };
const report = { name: 'report-monthly', tags: ['finance'] };

describe('routing a transition to channels', () => {
  const table: Array<[string, { name: string; tags: string[] }, Transition, string[] | null, string[]]> = [
    ['a critical job\'s failure goes to every matching route, each channel once', backup, 'failed', null, ['oncall', 'ops']],
    ['overrunning is heard only by routes that ask for it (the default list includes it)', backup, 'overrunning', null, ['oncall', 'ops']],
    ['an untagged job is heard by the catch-all route', drain, 'missing', null, ['ops']],
    ['overrunning of a job whose routes do not list it goes nowhere', drain, 'overrunning', null, []],
    ['late is heard only where a route asks for it', backup, 'late', null, []],
    ['a glob and tags must both match', report, 'late', null, ['finance-mail']],
    ['the glob alone is not enough', { name: 'report-weekly', tags: [] }, 'late', null, []],
    ['recovery goes only to channels that heard the bad news', backup, 'recovered', ['ops'], ['ops']],
    ['recovery goes nowhere when nobody was told', backup, 'recovered', [], []],
  ];
  it.each(table)('%s', (_name, job, transition, heard, expected) => {
    expect(channelsFor(job, routes, transition, heard ? new Set(heard) : undefined)).toEqual(expected);
  });
});
