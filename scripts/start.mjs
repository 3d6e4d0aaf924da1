// `npm start`: the first thing a newcomer runs. For now it shows the offline half of Pakyas on the
// basic example: the file is checked, and the next expected runs of each job are listed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/pakyas.js', import.meta.url));
const file = fileURLToPath(new URL('../examples/basic/pakyas.yaml', import.meta.url));
for (const args of [['validate', '-f', file], ['next', '-f', file, '--count', '3']]) {
  console.log(`\n$ pakyas ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
