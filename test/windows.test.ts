import { describe, expect, it } from 'vitest';
import type { JobSpec, Schedule } from '../schema/types.js';
import { cronError } from '../schema/cron.js';
import { expectedRun, nextDue, previousDue, upcomingRuns } from '../server/core/windows.js';
import { formatClock, formatLocal } from '../server/core/format.js';

const cron = (expr: string): Schedule => ({ kind: 'cron', cron: expr });
const job = (schedule: Schedule, timezone = 'UTC', graceSeconds = 300): Pick<JobSpec, 'schedule' | 'timezone' | 'graceSeconds'> =>
  ({ schedule, timezone, graceSeconds });
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace('.000', ''));

describe('expected runs of cron schedules', () => {
  const cases: Array<[string, string, string, string, string[]]> = [
    // [why, expression, zone, from, the next runs in UTC]
    ['a 02:30 job skipped by spring-forward in New York is expected at 03:00 EDT, the moment of the change',
      '30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z']],
    ['a 01:30 job on the New York fall-back day is expected once, at its first occurrence (EDT)',
      '30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']],
    ['an hourly job keeps every real hour through spring-forward',
      '0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', ['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']],
    ['an hourly job keeps every real hour through fall-back, both 01:00s included',
      '0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z']],
    ['a 03:00 Berlin job moves from 02:00 UTC to 01:00 UTC across spring-forward',
      '0 3 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', ['2026-03-28T02:00:00Z', '2026-03-29T01:00:00Z']],
    ['a 02:30 Berlin job skipped by spring-forward is expected at 03:00 CEST',
      '30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', ['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z']],
    ['a 02:30 Berlin job on the fall-back day is expected once, at 02:30 CEST',
      '30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']],
    ['Lord Howe\'s 30-minute spring-forward: a 02:15 job is expected at 02:30 LHDT, the moment of the change',
      '15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', ['2026-10-03T15:30:00Z', '2026-10-04T15:15:00Z']],
    ['Lord Howe\'s 30-minute fall-back: a 01:45 job is expected once, at 01:45 LHDT',
      '45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T00:00:00Z', ['2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z']],
    ['a zone without daylight saving is a fixed offset',
      '0 9 * * 1-5', 'Asia/Kolkata', '2026-11-27T00:00:00Z', ['2026-11-27T03:30:00Z', '2026-11-30T03:30:00Z']],
    ['the 31st only happens in months that have one',
      '0 0 31 * *', 'UTC', '2026-01-02T00:00:00Z', ['2026-01-31T00:00:00Z', '2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z']],
    ['29 February waits for a leap year',
      '0 12 29 2 *', 'UTC', '2026-01-01T00:00:00Z', ['2028-02-29T12:00:00Z']],
    ['@weekly is midnight between Saturday and Sunday',
      '@weekly', 'UTC', '2026-10-02T00:00:00Z', ['2026-10-04T00:00:00Z', '2026-10-11T00:00:00Z']],
    ['@monthly in a zone is local midnight on the 1st',
      '@monthly', 'Europe/Berlin', '2026-10-15T00:00:00Z', ['2026-10-31T23:00:00Z', '2026-11-30T23:00:00Z']],
    ['day of month and day of week combine with OR, as in cron daemons',
      '0 0 13 * 5', 'UTC', '2026-11-01T00:00:00Z', ['2026-11-06T00:00:00Z', '2026-11-13T00:00:00Z', '2026-11-20T00:00:00Z']],
    ['a time exactly on a scheduled minute is not its own next run',
      '0 3 * * *', 'UTC', '2026-06-01T03:00:00Z', ['2026-06-02T03:00:00Z']],
  ];
  it.each(cases)('%s', (_why, expr, zone, from, expected) => {
    const runs = upcomingRuns(job(cron(expr), zone), new Date(from), expected.length);
    expect(iso(runs.map((r) => r.due))).toEqual(expected);
  });

  it('finds the latest scheduled time at or before a moment, consistent with the next one across DST', () => {
    const s = cron('30 2 * * *');
    const next = nextDue(s, 'America/New_York', new Date('2026-03-07T12:00:00Z'));
    expect(previousDue(s, 'America/New_York', next)?.toISOString()).toBe(next.toISOString());
    expect(previousDue(s, 'America/New_York', new Date(next.getTime() - 1000))?.toISOString()).toBe('2026-03-07T07:30:00.000Z');
  });
});

describe('windows and deadlines', () => {
  it('puts the window at due ± grace and the deadline at due + grace', () => {
    const r = expectedRun({ graceSeconds: 600 }, new Date('2026-06-01T03:00:00Z'));
    expect(iso([r.windowStart, r.due, r.deadline])).toEqual(['2026-06-01T02:50:00Z', '2026-06-01T03:00:00Z', '2026-06-01T03:10:00Z']);
  });

  it('measures `every` from the previous start, one interval at a time', () => {
    const runs = upcomingRuns(job({ kind: 'every', everySeconds: 900 }, 'UTC', 120), new Date('2026-06-01T10:07:00Z'), 3);
    expect(iso(runs.map((r) => r.due))).toEqual(['2026-06-01T10:22:00Z', '2026-06-01T10:37:00Z', '2026-06-01T10:52:00Z']);
    expect(iso([runs[0]!.deadline])).toEqual(['2026-06-01T10:24:00Z']);
  });

  it('accepts durations down to one second, so a test can watch a job go missing', () => {
    const runs = upcomingRuns(job({ kind: 'every', everySeconds: 1 }, 'UTC', 1), new Date('2026-06-01T10:00:00Z'), 2);
    expect(iso(runs.map((r) => r.deadline))).toEqual(['2026-06-01T10:00:02Z', '2026-06-01T10:00:03Z']);
  });
});

describe('cron validation', () => {
  it.each([
    ['0 3 * * *', null], ['@daily', null], ['@HOURLY', null], ['*/15 9-17 * * 1-5', null],
    ['0 3 * *', 'it has 4 fields, not 5'], ['0 0 3 * * *', 'it has 6 fields, not 5'],
    ['0 0 30 2 *', 'it never matches a date'],
    ['@reboot', 'unknown macro @reboot'],
    ['@midnight', null], ['@annually', null], ['0 9 * jan-mar mon-fri', null], ['0 9 * * 7', null], ['0 9 1,15 * SUN', null],
    ['0 9 1-31/2 * *', null],
  ])('judges %j', (expr, why) => {
    expect(cronError(expr)).toBe(why);
  });

  it.each([
    ['0 0 0 * *', 'day-of-month field "0": 0 is out of range; days of the month are 1–31'],
    ['61 * * * *', 'minute field "61": 61 is out of range; minutes are 0–59'],
    ['0 25 * * *', 'hour field "25": 25 is out of range; hours are 0–23'],
    ['0 0 * 13 *', 'month field "13": 13 is out of range; months are 1–12 or jan–dec'],
    ['0 0 * * 8', 'day-of-week field "8": 8 is out of range; days of the week are 0–7 (0 and 7 are Sunday) or sun–sat'],
    ['0 0 L * *', 'day-of-month field "L": L is Quartz syntax (L, W, #, ?), which cron does not read; days of the month are 1–31'],
    ['0 0 15W * *', 'day-of-month field "15W": 15W is Quartz syntax (L, W, #, ?), which cron does not read; days of the month are 1–31'],
    ['0 0 ? * *', 'day-of-month field "?": ? is Quartz syntax (L, W, #, ?), which cron does not read; days of the month are 1–31'],
    ['0 0 * * 5#3', 'day-of-week field "5#3": 5#3 is Quartz syntax (L, W, #, ?), which cron does not read; days of the week are 0–7 (0 and 7 are Sunday) or sun–sat'],
    ['5/10 * * * *', 'minute field "5/10": a step needs * or a range before it, like */10 or 5-59/10'],
    ['*/0 * * * *', 'minute field "*/0": step /0 is not a whole number from 1 to 59'],
    ['0 5-1 * * *', 'hour field "5-1": the range 5-1 runs backwards; write the smaller value first'],
    ['0 1,,2 * * *', 'hour field "1,,2": an empty item in a list; separate values with single commas, like 1,15'],
    ['0 0 * foo *', 'month field "foo": foo is not a value; months are 1–12 or jan–dec'],
  ])('names the field and the allowed values for %j', (expr, why) => {
    expect(cronError(expr)).toBe(why);
  });
});

describe('cron schedules across daylight-saving changes, against hand-computed times', () => {
  // Fixed-time jobs (no wildcard or step in minute and hour, so lists and ranges too): a skipped
  // local time is expected once at the moment of the change, a repeated one once at its first
  // occurrence. Wildcard or stepped hours and minutes keep real time: skipped times skipped,
  // repeated times run twice. New York: EST −5 → EDT −4 at 02:00 on 8 March 2026, back at 02:00
  // on 1 November. Berlin: +1 → +2 at 02:00 on 29 March, back at 03:00 on 25 October. Lord Howe
  // shifts by 30 minutes (+10:30 ↔ +11 at 02:00), Chatham by 45 (+12:45 ↔ +13:45 at 02:45/03:45).
  it.each([
    ['a range, spring: the skipped 02:00 at the change (03:00 EDT, also a run itself, once)', '0 1-5 * * *', 'America/New_York', '2026-03-08T04:00:00Z',
      ['2026-03-08T06:00', '2026-03-08T07:00', '2026-03-08T08:00', '2026-03-08T09:00', '2026-03-09T05:00']],
    ['a list, spring: 02:30 expected at 03:00 EDT', '30 1,2,3,4,5 * * *', 'America/New_York', '2026-03-08T04:00:00Z',
      ['2026-03-08T06:30', '2026-03-08T07:00', '2026-03-08T07:30', '2026-03-08T08:30', '2026-03-08T09:30']],
    ['a range, autumn: 01:00 once, at its first occurrence (EDT)', '0 1-5 * * *', 'America/New_York', '2026-11-01T03:00:00Z',
      ['2026-11-01T05:00', '2026-11-01T07:00', '2026-11-01T08:00', '2026-11-01T09:00', '2026-11-01T10:00']],
    ['a list, autumn: 01:30 once', '30 1,2,3 * * *', 'America/New_York', '2026-11-01T03:00:00Z',
      ['2026-11-01T05:30', '2026-11-01T07:30', '2026-11-01T08:30', '2026-11-02T06:30']],
    ['a wildcard hour, autumn: every real hour, 01:00 twice', '0 * * * *', 'America/New_York', '2026-11-01T04:00:00Z',
      ['2026-11-01T05:00', '2026-11-01T06:00', '2026-11-01T07:00', '2026-11-01T08:00']],
    ['a wildcard minute, autumn: the repeated hour runs twice', '*/30 1 * * *', 'America/New_York', '2026-11-01T04:00:00Z',
      ['2026-11-01T05:00', '2026-11-01T05:30', '2026-11-01T06:00', '2026-11-01T06:30', '2026-11-02T06:00']],
    ['a stepped hour, spring: the skipped 02:00 is skipped', '0 */2 * * *', 'America/New_York', '2026-03-08T04:00:00Z',
      ['2026-03-08T05:00', '2026-03-08T08:00', '2026-03-08T10:00']],
    ['a fixed time, spring: 02:30 at 03:00 CEST', '30 2 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z',
      ['2026-03-29T01:00', '2026-03-30T00:30']],
    ['a range, autumn: 02:00 once (CEST), 03:00 once (CET)', '0 2-3 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z',
      ['2026-10-25T00:00', '2026-10-25T02:00', '2026-10-26T01:00']],
    ['a 30-minute change, spring: 02:15 at 02:30 LHDT', '15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T14:00:00Z',
      ['2026-10-03T15:30', '2026-10-04T15:15']],
    ['a 30-minute change, autumn: 01:00 LHDT, 02:00 LHST', '0 1-2 * * *', 'Australia/Lord_Howe', '2026-04-04T13:00:00Z',
      ['2026-04-04T14:00', '2026-04-04T15:30', '2026-04-05T14:30']],
    ['a 45-minute change, spring: 03:00 at 03:45 CHADT', '0 3 * * *', 'Pacific/Chatham', '2026-09-26T12:00:00Z',
      ['2026-09-26T14:00', '2026-09-27T13:15']],
    ['a 45-minute change, autumn: 03:00 once, at its first occurrence', '0 2-3 * * *', 'Pacific/Chatham', '2026-04-04T12:00:00Z',
      ['2026-04-04T12:15', '2026-04-04T13:15', '2026-04-05T13:15']],
  ])('%s', (_name, cron, zone, from, expected) => {
    const runs = upcomingRuns(job({ kind: 'cron', cron }, zone, 60), new Date(from), expected.length);
    expect(runs.map((r) => r.due.toISOString().slice(0, 16))).toEqual(expected);
  });
});

describe("the two day fields, as the cron daemon combines them", () => {
  it.each([
    ['both restricted: the first of the month or a Monday', '0 12 1 * 1', '2026-11-28T00:00:00Z', ['2026-11-30T12:00', '2026-12-01T12:00', '2026-12-07T12:00', '2026-12-14T12:00']],
    ['a day-of-month starting with * counts as unrestricted: odd days that are Mondays', '0 12 */2 * 1', '2026-11-28T00:00:00Z', ['2026-12-07T12:00', '2026-12-21T12:00', '2027-01-11T12:00']],
    ['a day-of-week starting with * likewise: the 1st and 15th, whatever the weekday', '0 12 1,15 * */1', '2026-11-28T00:00:00Z', ['2026-12-01T12:00', '2026-12-15T12:00', '2027-01-01T12:00']],
  ])('%s', (_name, cron, from, expected) => {
    const runs = upcomingRuns(job({ kind: 'cron', cron }, 'UTC', 60), new Date(from), expected.length);
    expect(runs.map((r) => r.due.toISOString().slice(0, 16))).toEqual(expected);
  });
});

describe('wall-clock times in timeline messages', () => {
  it('agree with the zone database to the second, across DST changes and odd offsets', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns'];
    // Around the 2026 changes of each hemisphere, and at random through the year.
    const around = [Date.UTC(2026, 2, 8, 6, 59, 30), Date.UTC(2026, 2, 29, 0, 59, 30), Date.UTC(2026, 3, 4, 14, 59, 30), Date.UTC(2026, 9, 25, 0, 59, 30), Date.UTC(2026, 10, 1, 5, 59, 30)];
    const instants = [...around.flatMap((t) => Array.from({ length: 90 }, (_, i) => t + i * 1000 - 15_000)),
      ...Array.from({ length: 400 }, (_, i) => Date.UTC(2026, 0, 1) + i * 78_901_234 + (i % 7) * 123)];
    for (const zone of zones) {
      const intl = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      for (const t of instants) {
        const p = Object.fromEntries(intl.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
        const expected = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
        expect(formatLocal(new Date(t), zone, { seconds: true }).slice(0, 19), `${zone} at ${new Date(t).toISOString()}`).toBe(expected);
        expect(formatClock(new Date(t), zone)).toBe(p.second === '00' ? `${p.hour}:${p.minute}` : `${p.hour}:${p.minute}:${p.second}`);
      }
    }
  });
});
