import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import { repoRoot } from './helpers/cli.js';

function findConfigs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findConfigs(path);
    return name === 'pakyas.yaml' ? [path] : [];
  });
}

describe('the examples', () => {
  const files = findConfigs(join(repoRoot, 'examples'));
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const name = relative(repoRoot, file);
    it(`${name} is valid and names its schema for editors`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+pakyas\.schema\.json$/);
      const result = loadConfig(text, { file: name });
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([]);
      // An example is what people copy: it has nothing to warn about either.
      expect(result.ok ? result.warnings.map(formatError) : []).toEqual([]);
    });
  }
});

describe('the scheduler examples agree with the pakyas.yaml they report to', () => {
  const load = (file: string) => {
    const r = loadConfig(readFileSync(join(repoRoot, file), 'utf8'), { file });
    if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
    return r.config;
  };

  it('the crontab puts /usr/local/bin on PATH before any job, and runs each job on its schedule', () => {
    const lines = readFileSync(join(repoRoot, 'examples/crontab/crontab'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const firstJob = lines.findIndex((l) => /^[\d*@]/.test(l));
    const path = lines.findIndex((l) => /^PATH=(.*:)?\/usr\/local\/bin(:|$)/.test(l));
    expect(path).toBeGreaterThanOrEqual(0);
    expect(path).toBeLessThan(firstJob);
    const config = load('examples/crontab/pakyas.yaml');
    const entries = lines.slice(firstJob).map((l) => {
      const fields = l.trim().split(/\s+/);
      const job = /monitor (\S+)/.exec(l)?.[1] ?? /\/ping\/[^/]+\/([a-z0-9_-]+)\//.exec(l)?.[1];
      return { cron: fields.slice(0, 5).join(' '), job };
    });
    expect(entries.length).toBe(4);
    for (const e of entries) {
      const spec = config.jobs.find((j) => j.name === e.job);
      expect(spec, e.job).toBeDefined();
      expect(spec!.schedule).toEqual({ kind: 'cron', cron: e.cron });
      expect(spec!.timezone).toBe('UTC');
    }
  });

  it('the systemd timer fires at the time and in the zone of the job its service runs', () => {
    const timer = readFileSync(join(repoRoot, 'examples/systemd/backup.timer'), 'utf8');
    const service = readFileSync(join(repoRoot, 'examples/systemd/backup.service'), 'utf8');
    const [, hour, minute, zone] = /^OnCalendar=\*-\*-\* (\d\d):(\d\d):00 (\S+)$/m.exec(timer)!;
    const job = /pakyas monitor (\S+)/.exec(service)![1];
    const spec = load('examples/basic/pakyas.yaml').jobs.find((j) => j.name === job)!;
    expect(spec.schedule).toEqual({ kind: 'cron', cron: `${Number(minute)} ${Number(hour)} * * *` });
    expect(spec.timezone).toBe(zone);
  });
});
