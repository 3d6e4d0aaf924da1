import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin } from './helpers/cli.js';

const HEAVY = ['@trpc', 'ink', 'react', 'yaml', 'ajv', 'pg-boss', 'postgres', 'pglite', 'zod', 'croner', 'nodemailer', 'eventsource'];

function modulesLoadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-trace-'));
  const trace = join(dir, 'modules.txt');
  spawnSync(process.execPath, ['--import', join(import.meta.dirname, 'helpers', 'trace-register.mjs'), bin, ...args], {
    env: { ...process.env, PAKYAS_TRACE_FILE: trace, PAKYAS_SPOOL_DIR: join(dir, 'spool') }, stdio: 'ignore',
  });
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

describe('start-up of the signal path', () => {
  it.each([
    ['monitor', ['monitor', 'job', '--server', 'http://127.0.0.1:9', '--ping-key', 'k', '-q', '--', 'true']],
    ['ping', ['ping', 'job', 'success', '--server', 'http://127.0.0.1:9', '--ping-key', 'k']],
    ['monitor with a token and no ping key', ['monitor', 'job', '--server', 'http://127.0.0.1:9', '--token', 't', '-q', '--', 'true']],
  ])('pakyas %s loads no UI, tRPC, YAML, schema or database code', (_name, args) => {
    const modules = modulesLoadedBy(args);
    expect(modules.some((m) => m.includes('/dist/cli/commands/'))).toBe(true);
    const heavy = modules.filter((m) => m.includes('node_modules') && HEAVY.some((h) => m.includes(`/node_modules/${h}`)));
    expect(heavy).toEqual([]);
    expect(modules.filter((m) => /\/dist\/(server\/(api|db)|schema\/(load|validator))/.test(m))).toEqual([]);
  });
});
