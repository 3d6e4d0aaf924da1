// Valid but probably not meant: legacy and fixed-offset zones, overlapping windows, runs longer
// than the time between them. Warnings from validate and plan; --strict makes them errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatWarning } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import { zoneTrap } from '../schema/warnings.js';
import { runCli } from './helpers/cli.js';

describe('time zones that do not follow a city clock', () => {
  it.each([
    ['US/Eastern', 'US/Eastern is a legacy name; write America/New_York, the zone\'s IANA name (same clock)'],
    ['EST5EDT', 'EST5EDT is a legacy name; write America/New_York, the zone\'s IANA name (same clock)'],
    ['EST', 'EST is a fixed offset, UTC−5 all year, with no daylight saving; for a place\'s wall clock write its zone, like America/New_York'],
    ['Etc/GMT+5', 'Etc/GMT+5 is a fixed offset, UTC−5 all year (the sign of Etc/GMT zones is inverted), with no daylight saving; for a place\'s wall clock write its zone, like America/New_York'],
    ['Etc/GMT-3', 'Etc/GMT-3 is a fixed offset, UTC+3 all year (the sign of Etc/GMT zones is inverted), with no daylight saving; for a place\'s wall clock write its zone, like America/New_York'],
    ['UTC', null], ['Etc/UTC', null], ['Europe/Berlin', null], ['America/New_York', null], ['Asia/Kolkata', null], ['Europe/Kyiv', null], ['Japan', "Japan is a legacy name; write Asia/Tokyo, the zone's IANA name (same clock)"],
  ])('%s', (zone, why) => {
    expect(zoneTrap(zone)).toBe(why);
  });
});

const file = (jobs: string, defaults = '') => `version: 1\nproject: p\n${defaults}jobs:\n${jobs}`;
const warnings = (text: string) => {
  const r = loadConfig(text, { file: 'p.yaml' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.warnings.map(formatWarning);
};

describe('windows and runs that overlap', () => {
  it('warns where the value is written: on the job, in defaults, or at the job for a built-in default', () => {
    expect(warnings(file('  a:\n    every: 10m\n    grace: 5m\n'))).toEqual([
      'p.yaml:6:12: warning: jobs.a.grace: grace 5m is half or more of the 10m between runs of a: its windows (due ± grace) overlap, so a run can pay the wrong one; keep grace under 4m59s',
    ]);
    expect(warnings(file('  a:\n    schedule: "*/5 * * * *"\n', 'defaults:\n  grace: 3m\n  timezone: US/Pacific\n'))).toEqual([
      "p.yaml:5:13: warning: defaults.timezone: US/Pacific is a legacy name; write America/Los_Angeles, the zone's IANA name (same clock)",
      'p.yaml:4:10: warning: defaults.grace: grace 3m is half or more of the 5m between its closest runs of a: its windows (due ± grace) overlap, so a run can pay the wrong one; keep grace under 2m29s',
    ]);
    expect(warnings(file('  a:\n    every: 30m\n'))).toEqual([]);
    expect(warnings(file('  a:\n    every: 30m\n', 'defaults:\n  max_duration: 1h\n'))).toEqual([
      'p.yaml:4:17: warning: defaults.max_duration: max_duration 1h is longer than the 30m between runs of a: a run can still be going when the next is due (pakyas monitor --lock skips a run while one is going)',
    ]);
  });

  it('measures a cron schedule by its closest runs, and says nothing of a healthy file', () => {
    expect(warnings(file('  a:\n    schedule: "0 9,10 * * *"\n    grace: 30m\n    max_duration: 30m\n'))).toEqual([
      'p.yaml:6:12: warning: jobs.a.grace: grace 30m is half or more of the 1h between its closest runs of a: its windows (due ± grace) overlap, so a run can pay the wrong one; keep grace under 29m59s',
    ]);
    expect(warnings(file('  a:\n    schedule: "0 3 * * *"\n    timezone: Europe/Berlin\n    grace: 10m\n    max_duration: 2h\n'))).toEqual([]);
  });
});

describe('validate and plan with warnings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-warn-'));
  const path = join(dir, 'pakyas.yaml');
  writeFileSync(path, '# yaml-language-server: $schema=./pakyas.schema.json\nversion: 1\nproject: p\njobs:\n  a:\n    schedule: "0 3 * * *"\n    timezone: EST\n');

  it('exit 0 with the warning, and 1 with --strict', async () => {
    const plain = await runCli(['validate', '-f', path]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`${path}:7:15: warning: jobs.a.timezone: EST is a fixed offset, UTC−5 all year`);
    expect(plain.stdout).toContain('is valid');
    const strict = await runCli(['validate', '-f', path, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('1 warning in');
    const github = await runCli(['validate', '-f', path, '--format', 'github']);
    expect(github.stdout).toMatch(/^::warning file=.*line=7,col=15,title=pakyas::jobs.a.timezone: EST is a fixed offset/m);
  });

  it('plan --strict stops before the server is asked', async () => {
    const r = await runCli(['plan', '-f', path, '--strict'], { env: { PAKYAS_SERVER: 'http://127.0.0.1:9', PAKYAS_TOKEN: 'x'.repeat(40) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('warning: jobs.a.timezone: EST is a fixed offset');
    expect(r.stderr).toContain('--strict makes warnings errors; nothing was sent to the server.');
  });
});
