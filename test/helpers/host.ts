// A fresh host for install tests: a directory whose bin/ holds only the programs named (linked from
// this machine), used as the whole PATH, so that nothing else (node, npm, pakyas) can be found.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What install.sh needs besides a shell: a downloader, a hasher, and coreutils. */
export const INSTALL_TOOLS = ['sh', 'uname', 'curl', 'sha256sum', 'mktemp', 'mkdir', 'cp', 'chmod', 'mv', 'rm'];

export interface Host { root: string; path: string }

const hosts: string[] = [];

export function freshHost(tools: string[] = INSTALL_TOOLS): Host {
  const root = mkdtempSync(join(tmpdir(), 'pakyas-host-'));
  hosts.push(root);
  const path = join(root, 'tools');
  mkdirSync(path);
  for (const tool of tools) symlinkSync(which(tool), join(path, tool));
  return { root, path };
}

/** Removes the hosts this file made (each may hold an installed binary of 120 MiB); call from afterAll. */
export function removeHosts(): void {
  for (const root of hosts.splice(0)) rmSync(root, { recursive: true, force: true });
}

function which(tool: string): string {
  const found = ['/usr/bin', '/bin'].map((dir) => join(dir, tool)).find((p) => existsSync(p));
  if (!found) throw new Error(`this machine has no ${tool}, which the install tests need`);
  return found;
}

export interface ShResult { code: number | null; stdout: string; stderr: string }

/** `sh -c script` with exactly `env`. */
export function sh(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ShResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`sh -c timed out: ${script}\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
