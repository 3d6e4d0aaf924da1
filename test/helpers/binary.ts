// The single binary for tests: built once (scripts/build-binary.mjs, this machine's architecture
// only) and rebuilt when dist/ is newer, under a lock, since test files run two at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli.js';

export const binaryPath = join(repoRoot, 'dist', `pakyas-linux-${process.arch}`);

export async function ensureBinary(): Promise<string> {
  const lock = join(repoRoot, 'dist', '.binary-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than 5 minutes is left over from a killed run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const builtAt = statSync(join(repoRoot, 'dist', 'build-info.json')).mtimeMs;
    if (!existsSync(binaryPath) || statSync(binaryPath).mtimeMs < builtAt) {
      const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs'), '--arch', process.arch], { cwd: repoRoot, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`building the binary failed:\n${r.stdout}\n${r.stderr}`);
    }
    return binaryPath;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
