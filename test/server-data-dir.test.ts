import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { runCli } from './helpers/cli.js';
import { spawnServer } from './helpers/server-process.js';
import { cleanUp, DATABASE_URL, eventually, newSchema } from './helpers/server.js';

// `pakyas server` keeps its embedded database in the user's state directory, not in whatever
// directory it was started in; and an operator who lost the admin token gets a new one from the
// database, not from the old token.
const dirs: string[] = [];
const temp = (prefix: string) => { const d = mkdtempSync(join(tmpdir(), prefix)); dirs.push(d); return d; };
afterAll(async () => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); await cleanUp(); });

const TOKEN = /export PAKYAS_TOKEN=(pky_\S+)/;
/** The generated admin token, printed just after the "listening" line. */
const printedToken = (server: { output: () => string }) => eventually(async () => TOKEN.exec(server.output())?.[1]);

describe('where the embedded database lives', () => {
  it('is ~/.local/state/pakyas/db by default, never the working directory; the first start says where', async () => {
    const home = temp('pakyas-home-');
    const repo = temp('pakyas-repo-');
    const env = { HOME: home, XDG_STATE_HOME: '', DATABASE_URL: '', PAKYAS_ADMIN_TOKEN: '' };
    const first = await spawnServer(env, [], undefined, repo);
    await first.stop();
    const where = join(home, '.local', 'state', 'pakyas', 'db');
    expect(first.output()).toContain(`First start: a new embedded database in ${where} (--data-dir DIR keeps it elsewhere; DATABASE_URL uses a Postgres)\n`);
    expect(first.output()).toContain(`(the embedded database in ${where})`);
    expect(existsSync(join(where, 'PG_VERSION'))).toBe(true);
    expect(readdirSync(repo)).toEqual([]);

    const again = await spawnServer(env, [], undefined, repo);
    await again.stop();
    expect(again.output()).not.toContain('First start');
    expect(again.output()).toContain(`(the embedded database in ${where})`);
  });

  it('follows $XDG_STATE_HOME, and --data-dir wins over both', async () => {
    const state = temp('pakyas-xdg-');
    const s = await spawnServer({ HOME: temp('pakyas-home-'), XDG_STATE_HOME: state, DATABASE_URL: '' }, [], undefined, temp('pakyas-cwd-'));
    await s.stop();
    expect(s.output()).toContain(`First start: a new embedded database in ${join(state, 'pakyas', 'db')} `);

    const chosen = join(temp('pakyas-chosen-'), 'data');
    const d = await spawnServer({ HOME: temp('pakyas-home-'), XDG_STATE_HOME: state, DATABASE_URL: '' }, ['--data-dir', chosen]);
    await d.stop();
    expect(d.output()).toContain(`First start: a new embedded database in ${chosen} `);
  });

  it('keeps using ./.pakyas where an earlier version put it, and says so', async () => {
    const repo = temp('pakyas-repo-');
    const env = { HOME: temp('pakyas-home-'), XDG_STATE_HOME: '', DATABASE_URL: '' };
    const old = await spawnServer(env, ['--data-dir', '.pakyas'], undefined, repo);
    await old.stop();
    const upgraded = await spawnServer(env, [], undefined, repo);
    await upgraded.stop();
    expect(upgraded.output()).toContain(`Using the embedded database in ${join(repo, '.pakyas')}, where an earlier version kept it`);
    expect(upgraded.output()).not.toContain('First start');
  });
});

describe('pakyas server token reset', () => {
  it('replaces a lost generated admin token, with access to the embedded database and not the old token', async () => {
    const data = join(temp('pakyas-reset-'), 'db');
    const env = { HOME: temp('pakyas-home-'), DATABASE_URL: '', PAKYAS_ADMIN_TOKEN: '' };
    const first = await spawnServer(env, ['--data-dir', data]);
    const lost = await printedToken(first);
    // While the server runs, the embedded database is its alone.
    const busy = await runCli(['server', 'token', 'reset', '--data-dir', data], { env });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(`pakyas server token reset: the embedded database in ${data} is in use; stop the server first (if none is running, it stopped without closing the database: pass --force)\n`);
    await first.stop();

    const reset = await runCli(['server', 'token', 'reset', '--data-dir', data], { env });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^The admin token is reset: 1 earlier admin token no longer works\.\nNew admin token, shown this once \(store it; the server keeps only a hash\):\n {2}export PAKYAS_TOKEN=pky_\S+\n$/);
    const fresh = TOKEN.exec(reset.stdout)![1]!;

    const again = await spawnServer(env, ['--data-dir', data]);
    try {
      expect(again.output()).not.toContain('export PAKYAS_TOKEN');
      await expect(createClient({ server: again.url, token: lost }).tokens.list.query()).rejects.toThrow(/token/);
      expect((await createClient({ server: again.url, token: fresh }).tokens.list.query()).map((t) => t.admin)).toEqual([true]);
    } finally {
      await again.stop();
    }
  });

  it('revokes every admin token, also one an admin named as if it came from PAKYAS_ADMIN_TOKEN', async () => {
    // The attack: a leaked admin token plants a second admin token under the name the server
    // gives the variable's token, hoping that a reset (the recovery from the leak) keeps it.
    const data = join(temp('pakyas-reset-'), 'db');
    const env = { HOME: temp('pakyas-home-'), DATABASE_URL: '', PAKYAS_ADMIN_TOKEN: '' };
    const first = await spawnServer(env, ['--data-dir', data]);
    const leaked = await printedToken(first);
    const planted = await createClient({ server: first.url, token: leaked }).tokens.create.mutate({ name: 'admin (PAKYAS_ADMIN_TOKEN)' });
    await first.stop();

    const reset = await runCli(['server', 'token', 'reset', '--data-dir', data], { env });
    expect(reset.stdout).toMatch(/^The admin token is reset: 2 earlier admin tokens no longer work\./);
    expect(reset.stdout).toContain("The server's PAKYAS_ADMIN_TOKEN was revoked too");
    const again = await spawnServer(env, ['--data-dir', data]);
    try {
      for (const old of [leaked, planted.token]) await expect(createClient({ server: again.url, token: old }).tokens.list.query()).rejects.toThrow(/token/);
    } finally {
      await again.stop();
    }
  });

  it('refuses a schema that is not a plain identifier, before it reaches the search path', async () => {
    const r = await runCli(['server', 'token', 'reset', '--schema', 'x, public'], { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("pakyas server token reset: --schema must be a lowercase identifier, not 'x, public'\n");
  });

  it('says what it needs when there is no database where it looks', async () => {
    const r = await runCli(['server', 'token', 'reset', '--data-dir', join(temp('pakyas-none-'), 'db')], { env: { DATABASE_URL: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pakyas server token reset: no embedded database in \S+; pass the server's --data-dir DIR, or set DATABASE_URL \(and --schema\) as the server has them\n$/);
    expect((await runCli(['server', 'tokn', 'reset'])).stderr).toContain("pakyas server: unknown action 'tokn reset'; did you mean 'token reset'?");
  });

  it.runIf(DATABASE_URL)('on Postgres, works while the server runs: the old token stops at once', async () => {
    const schema = newSchema();
    const env = { DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: schema, PAKYAS_ADMIN_TOKEN: '' };
    const server = await spawnServer(env);
    try {
      const lost = await printedToken(server);
      expect((await createClient({ server: server.url, token: lost }).tokens.list.query())).toHaveLength(1);
      const reset = await runCli(['server', 'token', 'reset'], { env });
      expect(reset.code).toBe(0);
      const fresh = TOKEN.exec(reset.stdout)![1]!;
      await expect(createClient({ server: server.url, token: lost }).tokens.list.query()).rejects.toThrow();
      expect((await createClient({ server: server.url, token: fresh }).tokens.list.query())[0]!.name).toMatch(/^admin \(reset \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
    } finally {
      await server.stop();
    }
  });
});
