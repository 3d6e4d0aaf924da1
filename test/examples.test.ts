import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatError } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import { repoRoot } from './helpers/cli.js';

function findConfigs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findConfigs(path);
    return name === 'pakyas.yaml' ? [path] : [];
  });
}

describe('the examples', () => {
  const files = findConfigs(join(repoRoot, 'examples'));
  it('exist', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const name = relative(repoRoot, file);
    it(`${name} is valid and names its schema for editors`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+pakyas\.schema\.json$/);
      const result = loadConfig(text, { file: name });
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([]);
    });
  }
});
