// The attack as it was found: an ordinary project token makes the server run a program through an
// email channel's smtp_url (nodemailer reads `sendmail`, `path` and `args` from a URL's query
// string). Against the built server as a process, as an operator runs it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import type { JobSpec } from '../schema/types.js';
import { runCli } from './helpers/cli.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { ADMIN, DATABASE_URL, cleanUp, newSchema } from './helpers/server.js';

const job: JobSpec = {
  name: 'a', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
};
const source = { commit: null, ref: null, author: null, source: 'test' };

describe('a project token and an SMTP URL that asks for a program', () => {
  let server: ServerProcess;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pakyas-rce-'));
    const storage = DATABASE_URL ? { DATABASE_URL, PAKYAS_DB_SCHEMA: newSchema() } : {};
    server = await spawnServer({ PAKYAS_ADMIN_TOKEN: ADMIN, ...storage }, DATABASE_URL ? [] : ['--data-dir', join(dir, 'data')]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    await cleanUp();
  });

  it('runs nothing, whether the channel is tested inline, tested by the admin, or applied', async () => {
    const marker = join(dir, 'pwned');
    const evil = `smtp://127.0.0.1:1/?sendmail=true&path=/bin/sh&args=-c&args=${encodeURIComponent(`touch ${marker}`)}`;
    const channel = { name: 'mail', type: 'email' as const, settings: { to: ['ops@example.com'], smtp_url: evil } };
    const admin = createClient({ server: server.url, token: ADMIN });
    await admin.projects.applyConfig.mutate({ config: { project: 'victim', jobs: [job], channels: [], routes: [] }, source, expectedRevision: null });
    const { token } = await admin.tokens.create.mutate({ project: 'victim' });
    const attacker = createClient({ server: server.url, token });

    await expect(attacker.alerts.test.mutate({ project: 'victim', channel: 'mail', spec: channel })).rejects.toThrow(/needs an admin token|may not have a query string/);
    await expect(admin.alerts.test.mutate({ project: 'victim', channel: 'mail', spec: channel })).rejects.toThrow(/may not have a query string/);
    await expect(attacker.projects.applyConfig.mutate({
      config: { project: 'victim', jobs: [job], channels: [channel], routes: [{ match: { job: '*' }, notify: ['mail'], on: ['failed'] }] }, source, expectedRevision: null,
    })).rejects.toThrow(/may not have a query string/);

    await new Promise((r) => setTimeout(r, 1000));
    expect(existsSync(marker)).toBe(false);
    expect(server.output()).not.toContain('/bin/sh');
  });

  it('will not start with an operator SMTP URL that carries options, or a bad alert setting, and says which variable', async () => {
    const smtp = await runCli(['server', '--port', '0', '--data-dir', join(dir, 'never')], { env: { PAKYAS_SMTP_URL: 'smtp://mail.example.com/?sendmail=true&path=/bin/sh' } });
    expect(smtp.code).toBe(1);
    expect(smtp.stderr).toContain('PAKYAS_SMTP_URL may not have a query string');
    const allow = await runCli(['server', '--port', '0', '--data-dir', join(dir, 'never')], { env: { PAKYAS_ALERT_ALLOW_PRIVATE: 'yes please' } });
    expect(allow.stderr).toContain("PAKYAS_ALERT_ALLOW_PRIVATE must be true or false, not 'yes please'");
    const domains = await runCli(['server', '--port', '0', '--data-dir', join(dir, 'never')], { env: { PAKYAS_SMTP_ALLOWED_DOMAINS: 'example.com,*' } });
    expect(domains.stderr).toContain("PAKYAS_SMTP_ALLOWED_DOMAINS must be domain names separated by commas, like example.com,example.org; '*' is not one");
  });
});
