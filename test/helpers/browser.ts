// A real browser for the web view's tests: Debian's chromium, driven by puppeteer-core (which never
// downloads a browser). PAKYAS_CHROMIUM names another executable.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { repoRoot } from './cli.js';

export const CHROMIUM = process.env.PAKYAS_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
}

/** Types the token into the sign-in form, as a person pastes it, and waits for the job list. */
export async function signIn(page: Page, base: string, token: string, path = '/'): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForSelector('input[type=password]');
  await page.type('input[type=password]', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('header.top');
}

/** The rows of the job list as text: [state, job]. */
export async function rows(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('table.jobs tbody tr', (trs) => trs.map((tr) => [
    (tr.querySelector('.state')?.textContent ?? '').replace(/^[^A-Za-z]+/, '').replace(/ \(was .*\)$/, ''),
    tr.querySelector('a')?.textContent ?? '',
  ] as [string, string]));
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core run inside the page (through DevTools, which the page's CSP does not govern): serious and critical findings. */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: string[] }>> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

/** Where screenshots of a failed test go (test-results/, ignored by git). */
export function artifactsDir(): string {
  const dir = join(repoRoot, 'test-results', 'web');
  mkdirSync(dir, { recursive: true });
  return dir;
}
