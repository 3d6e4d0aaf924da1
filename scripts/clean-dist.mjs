// Before `npm pack` (prepack; prepare then builds again): the compiled code is removed so that a
// source file moved or deleted since the last build leaves no stale copy in the package. The
// binaries (dist/pakyas-linux-*) are kept: they are not packed, and take a while to build.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
for (const dir of ['cli', 'server', 'schema']) rmSync(`${dist}${dir}`, { recursive: true, force: true });
