// tsc compiles TypeScript only: the SQL migrations are copied beside the compiled code so that
// dist/server/db/migrate.js finds them where the sources do. It also records what was built
// (package version, git commit) for `pakyas --version`: dist/build-info.json for tools and people,
// and dist/cli/build-info.js, which replaces tsc's output of cli/build-info.ts, for the CLI.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
cpSync(`${root}server/db/migrations`, `${root}dist/server/db/migrations`, { recursive: true });

const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const info = { version, commit: gitCommit() };
writeFileSync(`${root}dist/build-info.json`, `${JSON.stringify(info, null, 2)}\n`);
writeFileSync(`${root}dist/cli/build-info.js`, `// Written by scripts/copy-assets.mjs at build time.\nexport const BUILD = ${JSON.stringify(info)};\n`);

/** The commit checked out, with "-dirty" when tracked files differ from it; "unknown" outside git. */
function gitCommit() {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    // Only when this directory is the top of a work tree: an unpacked tarball inside some other
    // repository must not claim that repository's commit.
    if (git('rev-parse', '--show-toplevel') !== root.replace(/\/$/, '')) return 'unknown';
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}
