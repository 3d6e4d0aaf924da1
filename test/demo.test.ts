import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

describe('npm start, the first-run demo', () => {
  it('starts a server on an embedded database, runs the sample jobs, shows their states, and leaves nothing running', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], {
      cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', PAKYAS_DEMO_SECONDS: '32' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(out).toContain('Applying examples/demo/pakyas.yaml');
    expect(out).toMatch(/^Web view: http:\/\/127\.0\.0\.1:\d+\/ {2}\(sign in with the demo's token: demo-[0-9a-f]{32}\)$/m);
    const last = out.slice(out.lastIndexOf('JOB '));
    expect(last).toMatch(/^backup\s+On Schedule/m);
    expect(last).toMatch(/^invoice-export\s+(Failed|Running)\s+.*exit 3/m);
    expect(last).toMatch(/^report-mailer\s+Missing\s+never/m);
    const left = execFileSync('sh', ['-c', `pgrep -f "pakyas-dem[o]-|demo/job[s]/" || true`], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
  }, 60_000);
});
