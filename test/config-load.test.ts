import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import { MAX_FILE_BYTES } from '../schema/vocabulary.js';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('loading pakyas.yaml', () => {
  for (const name of readdirSync(join(fixtures, 'invalid')).filter((f) => f.endsWith('.yaml'))) {
    it(`reports exactly the expected errors for invalid/${name}`, () => {
      const text = readFileSync(join(fixtures, 'invalid', name), 'utf8');
      const expected = readFileSync(join(fixtures, 'invalid', name.replace(/\.yaml$/, '.errors')), 'utf8').trim().split('\n');
      const result = loadConfig(text, { file: name });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map(formatError)).toEqual(expected);
    });
  }

  for (const name of readdirSync(join(fixtures, 'valid'))) {
    it(`accepts valid/${name}`, () => {
      const result = loadConfig(readFileSync(join(fixtures, 'valid', name), 'utf8'), { file: name });
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([]);
    });
  }

  it('applies defaults and turns durations into seconds', () => {
    const result = loadConfig(readFileSync(join(fixtures, 'valid', 'full.yaml'), 'utf8'));
    if (!result.ok) throw new Error('expected a valid file');
    const [backup, drain, report] = result.config.jobs;
    expect(backup).toEqual({
      name: 'nightly-backup', description: 'Dump the billing database to object storage',
      schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'Europe/Berlin',
      graceSeconds: 600, maxDurationSeconds: 7200, tags: ['critical', 'db'], paused: false, alertAfter: 2,
    });
    expect(drain).toMatchObject({ schedule: { kind: 'every', everySeconds: 900 }, graceSeconds: 120, maxDurationSeconds: 1800, tags: [] });
    expect(report).toMatchObject({ timezone: 'America/New_York', paused: true, alertAfter: 3 });
    expect(result.config.routes[0]!.on).toEqual(['failed', 'missing', 'overrunning', 'recovered']);
    expect(result.config.routes[2]!.on).toEqual(['late', 'failed']);
  });

  it('uses UTC, 5m grace, 1h max duration and alert_after 1 when nothing is set', () => {
    const result = loadConfig('version: 1\nproject: p\njobs:\n  j:\n    every: 1m\n');
    if (!result.ok) throw new Error('expected a valid file');
    expect(result.config.jobs[0]).toMatchObject({ timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, alertAfter: 1 });
  });

  it('leaves ${VAR} references as written when no environment is given', () => {
    const result = loadConfig(readFileSync(join(fixtures, 'valid', 'full.yaml'), 'utf8'));
    if (!result.ok) throw new Error('expected a valid file');
    expect(result.config.channels[0]!.settings.webhook_url).toBe('${PAKYAS_SECRET_SLACK_WEBHOOK_URL}');
  });

  it('replaces ${VAR} references from the environment it is given', () => {
    const env = { PAKYAS_SECRET_SLACK_WEBHOOK_URL: 'https://hooks.example/T1', PAKYAS_SECRET_PD_ROUTING_KEY: 'rk', PAKYAS_SECRET_HOOK_SECRET: 's3cret' };
    const result = loadConfig(readFileSync(join(fixtures, 'valid', 'full.yaml'), 'utf8'), { env });
    if (!result.ok) throw new Error(result.errors.map(formatError).join('\n'));
    const byName = Object.fromEntries(result.config.channels.map((c) => [c.name, c.settings]));
    expect(byName['ops-alerts']!.webhook_url).toBe('https://hooks.example/T1');
    expect(byName.oncall!.routing_key).toBe('rk');
    expect(byName.hooks!.secret).toBe('s3cret');
  });

  it('names every environment variable that is missing, at the line that reads it', () => {
    const result = loadConfig(readFileSync(join(fixtures, 'valid', 'full.yaml'), 'utf8'), { file: 'full.yaml', env: { PAKYAS_SECRET_PD_ROUTING_KEY: 'rk' } });
    expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
      'full.yaml:12:18: channels.ops-alerts.webhook_url: environment variable PAKYAS_SECRET_SLACK_WEBHOOK_URL is not set (referenced as ${PAKYAS_SECRET_SLACK_WEBHOOK_URL})',
      'full.yaml:21:13: channels.hooks.secret: environment variable PAKYAS_SECRET_HOOK_SECRET is not set (referenced as ${PAKYAS_SECRET_HOOK_SECRET})',
    ]);
  });

  it('never prints a secret read from the environment in an error', () => {
    const text = 'version: 1\nproject: p\nchannels:\n  c:\n    type: slack\n    webhook_url: ${PAKYAS_SECRET_URL}\n';
    const result = loadConfig(text, { env: { PAKYAS_SECRET_URL: 'not-a-url-but-secret' } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map(formatError).join('\n')).not.toContain('not-a-url-but-secret');
      expect(result.errors[0]!.message).toContain('the value read from the environment is not an http:// or https:// URL');
    }
  });

  it('writes $$ for a literal dollar sign in a channel setting', () => {
    const text = 'version: 1\nproject: p\nchannels:\n  c:\n    type: webhook\n    url: https://x.example/\n    secret: a$$b\n';
    const result = loadConfig(text, { env: {} });
    if (!result.ok) throw new Error(result.errors.map(formatError).join('\n'));
    expect(result.config.channels[0]!.settings.secret).toBe('a$b');
  });

  it('refuses an SMTP URL with a query string or path, and a sender without its own SMTP server, at their lines', () => {
    const text = 'version: 1\nproject: p\nchannels:\n  a:\n    type: email\n    to: ops@example.com\n    smtp_url: smtp://x/?sendmail=true&path=/bin/sh\n  b:\n    type: email\n    to: ops@example.com\n    from: ceo@bank.example\n';
    const result = loadConfig(text, { file: 'p.yaml' });
    expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
      'p.yaml:7:15: channels.a.smtp_url: "smtp://x/?sendmail=true&path=/bin/sh" is not an smtp:// or smtps:// URL of host, port and credentials only, as an email channel\'s smtp_url must be: it may not have a query string or fragment (?…, #…): only user, password, host and port are read',
      "p.yaml:9:5: channels.b: `from` needs the channel's own `smtp_url`: through the server's SMTP account (PAKYAS_SMTP_URL) mail is always sent as PAKYAS_SMTP_FROM",
    ]);
  });

  it('says once that a channel has no type', () => {
    const result = loadConfig('version: 1\nproject: p\nchannels:\n  c:\n    url: https://x.example\n', { file: 'p.yaml' });
    expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
      "p.yaml:5:5: channels.c: missing required key 'type'; allowed types are: webhook, slack, discord, pagerduty, email",
    ]);
  });

  it('puts a syntax error found at the end of the file on a line that exists', () => {
    for (const text of ['version: 1\nproject: p\njobs:\n  a:\n    every: "5m\n', 'version: 1\nproject: p\njobs:\n  a: [\n\n\n']) {
      const result = loadConfig(text, { file: 'p.yaml' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.errors[0]!.line).toBeLessThanOrEqual(text.trimEnd().split('\n').length);
        expect(result.errors[0]!.message).toMatch(/^YAML syntax: /);
      }
    }
  });

  it('refuses a file larger than the limit before parsing it', () => {
    const result = loadConfig(`version: 1\nproject: p\n#${'x'.repeat(MAX_FILE_BYTES)}\n`);
    expect(result.ok ? '' : result.errors[0]!.message).toMatch(/larger than 2 MiB/);
  });
});
