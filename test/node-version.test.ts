import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, repoRoot } from './helpers/cli.js';

// On a Node.js older than the CLI needs, `pakyas` says so in one line before anything else runs.
const OLD_NODE = '/usr/bin/node';
const oldVersion = existsSync(OLD_NODE) ? spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const isOld = /^v(\d+)\./.test(oldVersion) && Number(/^v(\d+)\./.exec(oldVersion)![1]) < 22;
const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('the Node.js version', () => {
  it('checked by bin/pakyas.js is the one package.json names in engines, and the README states', () => {
    const minimum = /var MINIMUM = \[(\d+), (\d+)\];/.exec(readFileSync(bin, 'utf8'))!;
    expect(engines).toBe(`>=${minimum[1]}.${minimum[2]}`);
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(`Node.js ${minimum[1]}.${minimum[2]} or newer`);
  });

  it.runIf(isOld)(`is refused on ${oldVersion} with one line that says what is needed and how to get it, before any command runs`, () => {
    for (const args of [['status'], ['monitor', 'job', '--', 'true'], ['--version'], []]) {
      const r = spawnSync(OLD_NODE, [bin, ...args], { encoding: 'utf8', env: { ...process.env, PAKYAS_SERVER: 'http://127.0.0.1:9' } });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`pakyas needs Node.js ${engines.slice(2)} or newer, and this is Node.js ${oldVersion.slice(1)}: install a current one (https://nodejs.org/en/download, or \`nvm install 22\`), or use the single binary, which needs no Node.js\n`);
    }
  });
});
