import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { closest } from '../../schema/similar.js';
import { CliError, flag, str, type Command } from '../command.js';

export const command: Command = {
  name: 'server',
  summary: 'Run the Pakyas server: signal endpoints, the API for the CLI and dashboard, the web view and badges, /healthz and /metrics, on one port.',
  usage: 'server [--port N] [--host ADDR] [--data-dir DIR] [--downloads DIR] | server token reset [--data-dir DIR | --schema NAME]',
  positionals: { max: 2, names: 'token reset' },
  options: {
    port: { type: 'string', short: 'p', value: 'N', help: 'the port (default $PAKYAS_PORT, else 8080)' },
    host: { type: 'string', value: 'ADDR', help: 'the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
    'data-dir': { type: 'string', value: 'DIR', help: 'where the embedded database keeps its data (default $XDG_STATE_HOME/pakyas/db, else ~/.local/state/pakyas/db); ignored with DATABASE_URL' },
    schema: { type: 'string', value: 'NAME', help: 'with DATABASE_URL: the Postgres schema for Pakyas\'s tables (default $PAKYAS_DB_SCHEMA, else public)' },
    force: { type: 'boolean', help: 'token reset: open the embedded database although it looks in use (only when no server runs on it)' },
    downloads: { type: 'string', value: 'DIR', help: 'where pakyas-linux-x64 and pakyas-linux-arm64 are, served at /download/ with /install.sh (default $PAKYAS_DOWNLOADS_DIR, else those built into dist/ by npm run build:binary)' },
  },
  details: `Storage: with DATABASE_URL set (postgres://…), that Postgres; without it, an embedded Postgres
(PGlite) in --data-dir, so nothing needs installing. By default that is the user's state directory,
$XDG_STATE_HOME/pakyas/db or ~/.local/state/pakyas/db (a ./.pakyas left by an earlier version is
still used, and the start says so); the first start says where it created it.
The admin token is PAKYAS_ADMIN_TOKEN when set (at least 32 characters); otherwise one is
generated on the first start and printed once. Lost it? 'pakyas server token reset' (with the same
DATABASE_URL, or --data-dir, as the server; the embedded database only while the server is
stopped) replaces it and prints the new one once: it needs the database, not the old token. PAKYAS_ALERT_TIMEOUT is how long one alert delivery
may take, in seconds (default 10). Alert targets on loopback, link-local or private addresses are
refused unless PAKYAS_ALERT_ALLOW_PRIVATE=true. Email channels without their own smtp_url send
through PAKYAS_SMTP_URL as PAKYAS_SMTP_FROM, only to PAKYAS_SMTP_ALLOWED_DOMAINS when that is set.
/metrics: with PAKYAS_METRICS_TOKEN set (at least 32 characters) it needs
Authorization: Bearer <that token>. With PAKYAS_PUBLIC_URL set (the URL users reach the server by),
or --host naming a host, it answers only requests addressed to that host name or to an IP address;
alerts then link to job pages in the web view (at /), whose cookie is Secure when it is https://.
Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction): DATABASE_URL is the
pooler and PAKYAS_DATABASE_DIRECT_URL a direct connection to the same Postgres, for live updates
(LISTEN) and migrations; with --schema, the pooler's server connections must have that search_path
(docs/postgres.md says how; the start checks it).
Retention: PAKYAS_RETENTION_SIGNALS (signals kept per job, default 1000), PAKYAS_RETENTION_TIMELINE
(timeline entries per job, default 10000), PAKYAS_RETENTION_DAYS (their age, default 90),
PAKYAS_RETENTION_PROJECT_SIGNALS (default 100000), PAKYAS_RETENTION_PROJECT_TIMELINE (default
1000000), PAKYAS_RETENTION_INTERVAL (time between prune passes, default 1m).
Hosts install the CLI from this server: curl -fsSL <PAKYAS_PUBLIC_URL>/install.sh | sh
Stop with Ctrl-C (SIGINT) or SIGTERM: signals already received are answered and stored first.`,
  async run(args) {
    if (args.positionals.length > 0) {
      const [what, action] = args.positionals;
      if (what === 'token' && action === 'reset') return resetToken(args);
      const near = closest(args.positionals.join(' '), ['token reset']);
      throw new CliError(`pakyas server: unknown action '${args.positionals.join(' ')}'${near ? `; did you mean 'token reset'?` : ''}\nusage: pakyas ${command.usage}`);
    }
    const portText = str(args, 'port') ?? process.env.PAKYAS_PORT ?? '8080';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`pakyas server: --port must be a port number from 0 to 65535, not '${portText}'`);
    const { databaseUrl, databaseDirectUrl } = databaseUrls('pakyas server');
    const { chooseDataDir } = await import('../../server/main.js');
    const data = chooseDataDir(str(args, 'data-dir'));
    const dataDir = data.dir;
    const schema = schemaOf(args, 'pakyas server');
    const metricsToken = process.env.PAKYAS_METRICS_TOKEN || undefined;
    const publicUrl = process.env.PAKYAS_PUBLIC_URL || undefined;
    const downloads = str(args, 'downloads') ?? (process.env.PAKYAS_DOWNLOADS_DIR || undefined);
    const { alertSettingsFromEnv, retentionFromEnv, startServer } = await import('../../server/main.js');
    const retention = retentionFromEnv(process.env);
    if ('error' in retention) throw new CliError(`pakyas server: ${retention.error}`);
    let alerts;
    try {
      alerts = alertSettingsFromEnv(process.env);
    } catch (err) {
      throw new CliError(`pakyas server: ${(err as Error).message}`);
    }
    // The state directory is the user's own: made private, as the spool beside it is.
    if (!databaseUrl && data.fresh) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    let server;
    try {
      server = await startServer({
        port, host: str(args, 'host') ?? '127.0.0.1', alerts, retention: retention.settings,
        ...(databaseUrl ? { databaseUrl, ...(databaseDirectUrl ? { databaseDirectUrl } : {}), ...(schema ? { schema } : {}) } : { dataDir }),
        ...(metricsToken ? { metricsToken } : {}),
        ...(publicUrl ? { publicUrl } : {}),
        ...(downloads ? { downloadsDir: resolve(downloads) } : {}),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
      if (e.code === 'EADDRINUSE') throw new CliError(`pakyas server: port ${port} is already in use; pass --port N or stop the other server`);
      if (e.code === 'ECONNREFUSED') {
        const which = databaseDirectUrl ? `DATABASE_URL or PAKYAS_DATABASE_DIRECT_URL (${e.address ?? '?'}:${e.port ?? '?'})` : 'DATABASE_URL';
        throw new CliError(`pakyas server: cannot connect to the database at ${which} (${e.code})`);
      }
      throw new CliError(`pakyas server: could not start: ${e.message}`);
    }
    const where = databaseUrl
      ? `Postgres at ${redactUrl(databaseUrl)}${databaseDirectUrl ? `, a transaction pooler; directly at ${redactUrl(databaseDirectUrl, 'PAKYAS_DATABASE_DIRECT_URL')}` : ''}`
      : `the embedded database in ${dataDir}`;
    if (!databaseUrl && data.fresh) process.stdout.write(`First start: a new embedded database in ${dataDir} (--data-dir DIR keeps it elsewhere; DATABASE_URL uses a Postgres)\n`);
    if (!databaseUrl && data.legacy) process.stdout.write(`Using the embedded database in ${dataDir}, where an earlier version kept it; pass --data-dir to say so, or move it to the state directory\n`);
    process.stdout.write(`Pakyas server listening on ${server.url} (${where})\n`);
    if (server.generatedAdminToken) {
      process.stdout.write(`\nAdmin token, shown this once (store it; the server keeps only a hash):\n  export PAKYAS_TOKEN=${server.generatedAdminToken}\n\n`);
    }
    await new Promise<void>((done) => {
      const stop = (sig: string) => {
        process.stdout.write(`Received ${sig}; shutting down\n`);
        server.close().then(done, (err: Error) => { process.stderr.write(`pakyas server: ${err.message}\n`); done(); });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    return 0;
  },
};

/**
 * The Postgres schema for Pakyas's tables, checked: it becomes part of the search path, so a
 * value like `x, public` would reach tables other than the ones named.
 */
function schemaOf(args: Parameters<Command['run']>[0], command: string): string | undefined {
  const schema = str(args, 'schema') ?? process.env.PAKYAS_DB_SCHEMA ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,50}$/.test(schema)) throw new CliError(`${command}: --schema must be a lowercase identifier, not '${schema}'`);
  return schema;
}

/**
 * DATABASE_URL and PAKYAS_DATABASE_DIRECT_URL, checked. The direct URL says that DATABASE_URL is a
 * pooler in transaction mode (docs/postgres.md), so it is refused alone, or equal to DATABASE_URL.
 */
function databaseUrls(command: string): { databaseUrl?: string; databaseDirectUrl?: string } {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const databaseDirectUrl = process.env.PAKYAS_DATABASE_DIRECT_URL || undefined;
  const allowed = 'a postgres:// or postgresql:// URL';
  for (const [name, url] of [['DATABASE_URL', databaseUrl], ['PAKYAS_DATABASE_DIRECT_URL', databaseDirectUrl]] as const) {
    if (url !== undefined && !/^postgres(ql)?:\/\/./.test(url)) {
      const shown = redactUrl(url, '');
      throw new CliError(`${command}: ${name} must be ${allowed}${shown ? `, not '${shown}'` : ' (what it holds is not shown: it may hold a password)'}`);
    }
  }
  if (databaseDirectUrl && !databaseUrl) {
    throw new CliError(`${command}: PAKYAS_DATABASE_DIRECT_URL is set but DATABASE_URL is not: DATABASE_URL is the pooler (PgBouncer in transaction mode), PAKYAS_DATABASE_DIRECT_URL a direct connection to the same Postgres; set both, or only DATABASE_URL (docs/postgres.md)`);
  }
  if (databaseDirectUrl && databaseDirectUrl === databaseUrl) {
    throw new CliError(`${command}: PAKYAS_DATABASE_DIRECT_URL is the same as DATABASE_URL; set it only when DATABASE_URL is a pooler in transaction mode, to a connection that bypasses the pooler (docs/postgres.md)`);
  }
  return { ...(databaseUrl ? { databaseUrl } : {}), ...(databaseDirectUrl ? { databaseDirectUrl } : {}) };
}

/** `pakyas server token reset`: the proof of authority is reaching the database, not an old token. */
async function resetToken(args: Parameters<Command['run']>[0]): Promise<number> {
  const { chooseDataDir, hasEmbeddedDatabase, looksInUse, resetAdminTokenIn } = await import('../../server/main.js');
  // A one-off command: it takes the direct connection when there is one (either reaches the tables).
  const urls = databaseUrls('pakyas server token reset');
  const databaseUrl = urls.databaseDirectUrl ?? urls.databaseUrl;
  const schema = schemaOf(args, 'pakyas server token reset');
  let dataDir: string | undefined;
  if (!databaseUrl) {
    dataDir = chooseDataDir(str(args, 'data-dir')).dir;
    if (!hasEmbeddedDatabase(dataDir)) {
      throw new CliError(`pakyas server token reset: no embedded database in ${dataDir}; pass the server's --data-dir DIR, or set DATABASE_URL (and --schema) as the server has them`);
    }
    // The embedded database is one process's: opened twice, it can be damaged.
    if (looksInUse(dataDir) && !flag(args, 'force')) {
      throw new CliError(`pakyas server token reset: the embedded database in ${dataDir} is in use; stop the server first (if none is running, it stopped without closing the database: pass --force)`);
    }
  }
  let reset;
  try {
    reset = await resetAdminTokenIn({ ...(databaseUrl ? { databaseUrl, ...(schema ? { schema } : {}) } : { dataDir: dataDir! }) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`pakyas server token reset: cannot reset the admin token in ${databaseUrl ? `Postgres at ${redactUrl(databaseUrl)}` : dataDir}: ${e.code === 'ECONNREFUSED' ? 'the database does not answer (ECONNREFUSED)' : e.message}`);
  }
  process.stdout.write([
    `The admin token is reset${reset.revoked ? `: ${reset.revoked} earlier admin token${reset.revoked === 1 ? '' : 's'} no longer work${reset.revoked === 1 ? 's' : ''}` : ''}.`,
    'New admin token, shown this once (store it; the server keeps only a hash):',
    `  export PAKYAS_TOKEN=${reset.token}`,
    ...(reset.hadEnvToken ? ['The server\'s PAKYAS_ADMIN_TOKEN was revoked too; it works again when the server restarts with it: change that variable first to retire it.'] : []),
    '',
  ].join('\n'));
  return 0;
}

/** The URL without its password; unreadable, the variable's name (the text may hold a password). */
function redactUrl(url: string, name = 'DATABASE_URL'): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return name;
  }
}
