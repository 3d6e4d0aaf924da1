// Numbered SQL migrations (migrations/NNN_name.sql), applied in order at start, each once. An
// advisory lock makes two servers starting together on one Postgres take turns.
import { migrationFiles } from './files.js';
import type { Database } from './port.js';

const LOCK = 7_246_591; // any constant shared by every Pakyas server

export async function migrate(db: Database): Promise<string[]> {
  const files = await migrationFiles();
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK]);
    await tx.query(`create table if not exists pakyas_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const done = new Set((await tx.query<{ version: number }>('select version from pakyas_migrations')).map((r) => r.version));
    const applied: string[] = [];
    for (const { name: file, text } of files) {
      const version = Number(file.slice(0, 3));
      if (done.has(version)) continue;
      for (const statement of splitStatements(text)) await tx.query(statement);
      await tx.query('insert into pakyas_migrations (version, name) values ($1, $2)', [version, file]);
      applied.push(file);
    }
    return applied;
  });
}

/** Statements separated by `;` at line ends; migrations keep to that so both adapters run them. */
function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
