// Real servers for tests: embedded PGlite always, and real Postgres when PAKYAS_TEST_DATABASE_URL
// is set (CI sets it). PGlite costs seconds to start, so one instance serves a whole test file;
// on Postgres each server gets a fresh schema.
import { randomBytes } from 'node:crypto';
import type { JobSpec, ProjectConfig } from '../../schema/types.js';
import { openPglite } from '../../server/db/pglite.js';
import { openPostgres } from '../../server/db/postgres.js';
import { startServer, type RunningServer, type ServerOptions } from '../../server/main.js';
import { createClient } from '../../cli/client.js';

export const ADMIN = 'test-admin-token-0123456789abcdef';
export type Backend = 'pglite' | 'postgres';
export const DATABASE_URL = process.env.PAKYAS_TEST_DATABASE_URL;
export const backends: Backend[] = DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let embedded: ReturnType<typeof openPglite> | null = null;
const schemas: string[] = [];

export function newSchema(): string {
  const s = `t_${randomBytes(5).toString('hex')}`;
  schemas.push(s);
  return s;
}

export async function startTestServer(backend: Backend, options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  // Test receivers listen on 127.0.0.1, which servers refuse as alert targets unless allowed.
  const base: ServerOptions = { port: 0, adminToken: ADMIN, log: () => {}, ...options, alerts: { allowPrivate: true, ...options.alerts } };
  if (backend === 'pglite') {
    const e = await (embedded ??= openPglite({}));
    return startServer({ ...base, pglite: { ...e, bossSchema: 'pgboss' } });
  }
  return startServer({ ...base, databaseUrl: DATABASE_URL!, schema: options.schema ?? newSchema() });
}

/** Drops the schemas this file made on the test Postgres; call from afterAll. */
export async function cleanUp(): Promise<void> {
  if (DATABASE_URL && schemas.length > 0) {
    const db = openPostgres({ url: DATABASE_URL });
    for (const s of schemas.splice(0)) {
      for (const schema of [s, `${s}_boss`]) {
        // A server just killed may still have transactions open in it until Postgres notices: a
        // drop that deadlocks with them is tried again once they are gone.
        for (let attempt = 1; ; attempt++) {
          try {
            await db.query(`drop schema if exists "${schema}" cascade`);
            break;
          } catch (err) {
            if (attempt >= 5 || (err as { code?: string }).code !== '40P01') throw err;
            await new Promise((r) => setTimeout(r, 200 * attempt));
          }
        }
      }
    }
    await db.close();
  }
}

export function adminClient(server: RunningServer) {
  return createClient({ server: server.url, token: ADMIN });
}

/** A job checked hourly, for tests that need one to exist and do not care how it is scheduled. */
export function hourlyJob(name: string, o: Partial<JobSpec> = {}): JobSpec {
  return {
    name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
    maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
  };
}

export const TEST_SOURCE = { commit: null, ref: null, author: null, source: 'test' };

/** Applies a new project (with the admin token unless another is given) and returns its name and ping key. */
export async function applyNewProject(server: RunningServer, config: Partial<ProjectConfig> = {}, token = ADMIN): Promise<{ project: string; pingKey: string }> {
  const project = config.project ?? uniqueProject();
  const r = await createClient({ server: server.url, token }).projects.applyConfig.mutate({
    config: { project, jobs: [], channels: [], routes: [], ...config }, source: TEST_SOURCE, expectedRevision: null,
  });
  return { project, pingKey: r.pingKey };
}

let counter = 0;
/** A project name no other test in this file uses (the embedded database is shared within a file). */
export function uniqueProject(prefix = 'p'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
