// tsc compiles TypeScript only: the SQL migrations are copied beside the compiled code so that
// dist/server/db/migrate.js finds them where the sources do.
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
cpSync(`${root}server/db/migrations`, `${root}dist/server/db/migrations`, { recursive: true });
