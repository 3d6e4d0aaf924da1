// The architecture's boundaries, kept by a test rather than by memory (docs/architecture.md):
// - server/core is pure: it imports only itself and the pure parts of schema/, and never reads the
//   clock (`now` is passed in);
// - SQL is written in server/db and nowhere else;
// - cli/ imports from the server only `type AppRouter`, the pure core, and main (for `pakyas server`);
// - schema/ is the bottom layer: it imports nothing from server/ or cli/.
// The rules read the source as text: import specifiers, and string literals with comments removed.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Import { spec: string; typeOnly: boolean; names: string }

/** Every import and re-export of a file: static (with what it names), side-effect and dynamic. */
function importsOf(text: string): Import[] {
  const code = stripComments(text);
  const out: Import[] = [];
  for (const m of code.matchAll(/(?:^|[;\n])\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*(['"])([^'"]+)\3/g)) {
    out.push({ spec: m[4]!, typeOnly: Boolean(m[1]), names: m[2]!.replace(/\s+/g, ' ').trim() });
  }
  for (const m of code.matchAll(/(?:^|[;\n])\s*import\s*(['"])([^'"]+)\1/g)) out.push({ spec: m[2]!, typeOnly: false, names: '' });
  for (const m of code.matchAll(/\bimport\(\s*(['"])([^'"]+)\1\s*\)/g)) out.push({ spec: m[2]!, typeOnly: false, names: '' });
  return out;
}

/** The file an import reaches, relative to the repository (no extension), or the package it names. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return normalize(join(dirname(file), spec)).split(sep).join('/').replace(/\.(js|ts|tsx)$/, '');
}

/** The text with comments removed; strings and template literals kept as they are. */
function stripComments(text: string): string {
  let out = '';
  for (const t of tokens(text)) if (t.kind !== 'comment') out += t.text;
  return out;
}

/** The string literals of a file, template literals included (their `${…}` parts kept as written). */
function stringsOf(text: string): string[] {
  return tokens(text).filter((t) => t.kind === 'string').map((t) => t.text.slice(1, -1));
}

/** A tokenizer just good enough to tell code, comments and strings apart (regex literals count as code). */
function tokens(text: string): Array<{ kind: 'code' | 'comment' | 'string'; text: string }> {
  const out: Array<{ kind: 'code' | 'comment' | 'string'; text: string }> = [];
  let i = 0;
  let code = '';
  const flush = () => { if (code) out.push({ kind: 'code', text: code }); code = ''; };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      flush();
      out.push({ kind: 'comment', text: text.slice(i, end === -1 ? text.length : end) });
      i = end === -1 ? text.length : end;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      flush();
      out.push({ kind: 'comment', text: text.slice(i, end === -1 ? text.length : end + 2) });
      i = end === -1 ? text.length : end + 2;
    } else if (c === '/' && /[(,=:[!&|?{};]\s*$|^\s*$|\breturn\s*$/.test(code.slice(-20))) {
      // A regular expression literal: skipped as code, so that a quote inside it starts no string.
      let j = i + 1;
      let inClass = false;
      while (j < text.length && (text[j] !== '/' || inClass) && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j++;
      }
      code += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      flush();
      out.push({ kind: 'string', text: text.slice(i, j + 1) });
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

// A string that starts like a statement. `select` needs what a query has after it (a number, `*`, a
// function call, or columns and a `from`), so that help text such as "select a job" is not SQL.
const SQL = /^\s*(select\s+(\d|\*|[\w.]+\s*\(|[\w.*,\s()]+\sfrom\s+[\w."]+)|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\(|create\s+(table|index|unique\s+index)\s|alter\s+table\s|drop\s+(table|index)\s|truncate\s|lock\s+table\s)/i;

/** What breaks a boundary, one sentence each; `files` maps repository paths to their text. */
function violations(files: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const imports = importsOf(text).map((i) => ({ ...i, to: target(file, i.spec) }));

    if (file.startsWith('server/core/')) {
      for (const i of imports) {
        const pure = i.to.startsWith('server/core/') || (i.to.startsWith('schema/') && !/^schema\/(load|validator)$/.test(i.to));
        if (!pure) problems.push(`${file} imports ${i.spec}: server/core is pure and imports only server/core and the pure parts of schema/`);
      }
      const code = tokens(text).filter((t) => t.kind === 'code').map((t) => t.text).join(' ');
      if (/\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(/.test(code)) {
        problems.push(`${file} reads the clock: server/core is given \`now\`, it never reads it`);
      }
    }

    if (!file.startsWith('server/db/')) {
      for (const s of stringsOf(text)) {
        if (SQL.test(s)) problems.push(`${file} holds SQL (${JSON.stringify(s.trim().slice(0, 40))}): statements live in server/db, as named functions`);
      }
    }

    if (file.startsWith('cli/')) {
      for (const i of imports.filter((x) => x.to.startsWith('server/'))) {
        const allowed = i.to.startsWith('server/core/')
          || i.to === 'server/main'
          || (i.to === 'server/api/router' && i.typeOnly && /^\{\s*AppRouter\s*\}$/.test(i.names));
        if (!allowed) problems.push(`${file} imports ${i.spec}: the CLI takes from the server only \`type AppRouter\`, server/core and server/main`);
      }
    }

    if (file.startsWith('schema/')) {
      for (const i of imports.filter((x) => x.to.startsWith('server/') || x.to.startsWith('cli/'))) {
        problems.push(`${file} imports ${i.spec}: schema/ is the bottom layer; server/ and cli/ import it, not the other way`);
      }
    }
  }
  return problems;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe('the boundaries of the architecture', () => {
  const tree = Object.fromEntries(['server', 'cli', 'schema'].flatMap(sources).map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

  it('reads the whole tree', () => {
    expect(Object.keys(tree).filter((f) => f.startsWith('server/core/')).length).toBeGreaterThan(5);
    expect(Object.keys(tree).filter((f) => f.startsWith('cli/')).length).toBeGreaterThan(20);
  });

  it('are kept by the code as it is', () => {
    expect(violations(tree)).toEqual([]);
  });

  it('are broken by IO or the clock in the core', () => {
    expect(violations({
      'server/core/x.ts': "import { readFile } from 'node:fs';\nimport { getJob } from '../db/jobs.js';\nconst t = Date.now(); // Date.now() in a comment is fine\nconst d = new Date();",
    })).toEqual([
      "server/core/x.ts imports node:fs: server/core is pure and imports only server/core and the pure parts of schema/",
      "server/core/x.ts imports ../db/jobs.js: server/core is pure and imports only server/core and the pure parts of schema/",
      'server/core/x.ts reads the clock: server/core is given `now`, it never reads it',
    ]);
    expect(violations({ 'server/core/y.ts': "import type { JobSpec } from '../../schema/types.js';\nconst d = new Date(t);\nconst s = 'Date.now()';" })).toEqual([]);
  });

  it('are broken by SQL outside server/db, and not by words that only look like it', () => {
    expect(violations({ 'server/auth.ts': "await tx.query('select pg_advisory_xact_lock(1)');\nconst q = `\n  update jobs set x = 1`;" })).toHaveLength(2);
    expect(violations({ 'server/db/jobs.ts': "await db.query('select 1');" })).toEqual([]);
    expect(violations({ 'cli/x.ts': "const WORD = { update: 'update', delete: 'delete' };\nconst help = 'select a job with Enter';" })).toEqual([]);
  });

  it('are broken by the CLI importing server code other than its type, the core and main', () => {
    expect(violations({
      'cli/a.ts': "import type { AppRouter } from '../server/api/router.js';\nimport { step } from '../server/core/status.js';\nconst m = await import('../server/main.js');",
      'cli/b.ts': "import { appRouter } from '../server/api/router.js';\nimport type { JobRow } from '../server/db/jobs.js';",
    })).toEqual([
      'cli/b.ts imports ../server/api/router.js: the CLI takes from the server only `type AppRouter`, server/core and server/main',
      'cli/b.ts imports ../server/db/jobs.js: the CLI takes from the server only `type AppRouter`, server/core and server/main',
    ]);
  });

  it('are broken by schema/ importing the server', () => {
    expect(violations({ 'schema/x.ts': "import { nextDue } from '../server/core/windows.js';" })).toHaveLength(1);
  });
});
