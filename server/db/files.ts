// Where the database's files come from. Installed from npm, they sit beside the compiled code
// (dist/server/db/migrations, and PGlite finds its own wasm and data files in node_modules). In the
// single binary (scripts/build-binary.mjs) there are no files: they are the executable's assets,
// read with node:sea, under the names that script gives them.
import { readdir, readFile } from 'node:fs/promises';
import sea from 'node:sea';
import type { PGliteOptions } from '@electric-sql/pglite';

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/** Asset names in the binary; scripts/build-binary.mjs writes them under these names. */
export const ASSETS = {
  /** A JSON array of { name, text }: one asset, so that no list of keys is needed to find them. */
  migrations: 'migrations.json',
  pgliteWasm: 'pglite/pglite.wasm',
  initdbWasm: 'pglite/initdb.wasm',
  pgliteData: 'pglite/pglite.data',
} as const;

export interface MigrationFile { name: string; text: string }

/** The numbered migrations, NNN_name.sql, in order. */
export async function migrationFiles(): Promise<MigrationFile[]> {
  const isMigration = (name: string) => /^\d{3}_.+\.sql$/.test(name);
  if (sea.isSea()) {
    const files = JSON.parse(sea.getAsset(ASSETS.migrations, 'utf8')) as MigrationFile[];
    return files.filter((f) => isMigration(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  }
  const names = (await readdir(MIGRATIONS)).filter(isMigration).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(new URL(name, MIGRATIONS), 'utf8') })));
}

/**
 * PGlite's options for its files: none when it can find them itself; in the binary, the modules
 * compiled from the assets and its file-system bundle, so that it never looks for a file.
 */
export async function pgliteFileOptions(): Promise<Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>> {
  if (!sea.isSea()) return {};
  // The compiler's lib has no WebAssembly (no DOM); Node has it.
  const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: ArrayBuffer): Promise<PGliteOptions['pgliteWasmModule']> } };
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    wasm.compile(sea.getRawAsset(ASSETS.pgliteWasm) as ArrayBuffer),
    wasm.compile(sea.getRawAsset(ASSETS.initdbWasm) as ArrayBuffer),
  ]);
  return { pgliteWasmModule, initdbWasmModule, fsBundle: sea.getAssetAsBlob(ASSETS.pgliteData) };
}
