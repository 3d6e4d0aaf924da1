// `npm run bench`: every benchmark in turn, each in its own process (each also runs alone).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
for (const [script, ...args] of [['apply.mjs', 'postgres'], ['apply.mjs', 'pglite'], ['monitor.mjs'], ['binary.mjs'], ['ingest.mjs', 'postgres', 'pglite'], ['missing.mjs', 'postgres'], ['dashboard.mjs'], ['web.mjs']]) {
  console.log(`\n== ${script} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [`${dir}${script}`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
