import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../schema/types.js';
import type { RunningServer } from '../server/main.js';
import { artifactsDir, axeViolations, hasChromium, launchBrowser, rows, signIn } from './helpers/browser.js';
import { ADMIN, adminClient, eventually, hourlyJob, startTestServer, TEST_SOURCE, uniqueProject } from './helpers/server.js';

// The web view in a real browser (Debian's chromium) against a real server: a project in every
// state, a person who signs in with a read-only token, and one who signs in as admin.
const HOSTILE = `Exporting 1,204 invoices...
<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>
<a href="https://evil.example/">click here</a> javascript:alert(1) https://evil.example/
error: could not connect to the ledger (connection refused)`;

const jobs: JobSpec[] = [
  hourlyJob('backup', { tags: ['critical', 'db'] }),
  hourlyJob('invoice-export', { tags: ['finance'], description: '<b onmouseover="window.__pwned=3">Exports</b> <a href="https://evil.example">invoices</a>' }),
  // Goes Missing at its first deadline, 2 s after apply, and stays so.
  hourlyJob('report-mailer', { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 1 }),
  hourlyJob('etl-import', { maxDurationSeconds: 1 }),
  // A run now is outside any window of a yearly schedule: Late, and it stays Late.
  hourlyJob('cache-warmer', { schedule: { kind: 'cron', cron: '0 0 1 1 *' }, graceSeconds: 1 }),
  hourlyJob('queue-drain'),
  hourlyJob('archive'),
  hourlyJob('cleanup'),
  hourlyJob('ledger-sync', { tags: ['db'] }),
];

describe.skipIf(!hasChromium)('the web view in a browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let project: string;
  let pingKey: string;
  let readOnly: string;
  const violations: string[] = [];
  const requested: string[] = [];
  const ping = (path: string, body?: string) => fetch(`${server.url}/ping/${pingKey}/${path}`, { method: 'POST', ...(body ? { body } : {}) }).then((r) => r.status);

  beforeAll(async () => {
    server = await startTestServer('pglite');
    project = uniqueProject('web');
    const admin = adminClient(server);
    pingKey = (await admin.projects.applyConfig.mutate({ config: { project, jobs, channels: [], routes: [] }, source: TEST_SOURCE, expectedRevision: null })).pingKey;
    readOnly = (await admin.tokens.create.mutate({ project, readOnly: true, name: 'teammate' })).token;
    expect(await ping('backup')).toBe(200);
    expect(await ping('invoice-export/3', HOSTILE)).toBe(200);
    expect(await ping('etl-import/start')).toBe(200);
    expect(await ping('cache-warmer')).toBe(200);
    expect(await ping('queue-drain/start')).toBe(200);
    expect(await ping('ledger-sync')).toBe(200);
    await admin.jobs.pause.mutate({ project, job: 'archive', reason: 'moving to the new bucket' });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // Every CSP refusal the page meets is recorded (the test's own script runs through DevTools).
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) violations.push(m.text()); });
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    // What the person saw: the page as the test left it, the list, and the failed job's page.
    const dir = artifactsDir();
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await page.screenshot({ path: join(dir, `${name}-as-left.png`), fullPage: true }).catch(() => undefined);
    await page.goto(`${server.url}/`).then(() => page.waitForSelector('table.jobs', { timeout: 5000 })).catch(() => undefined);
    await page.screenshot({ path: join(dir, `${name}-list.png`), fullPage: true }).catch(() => undefined);
    await page.goto(`${server.url}/jobs/${project}/invoice-export`).then(() => page.waitForSelector('.sentence', { timeout: 5000 })).catch(() => undefined);
    await page.screenshot({ path: join(dir, `${name}-job.png`), fullPage: true }).catch(() => undefined);
    process.stderr.write(`web e2e: screenshots of the failure in ${dir}\n`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const until = (fn: () => boolean) => page.waitForFunction(fn, { timeout: 10_000, polling: 100 });

  it('signs in with a read-only token pasted into the page; the token is in no URL and the cookie is out of the page\'s reach', async () => {
    await signIn(page, server.url, readOnly);
    expect(await page.$eval('header.top .who', (e) => e.textContent)).toContain('teammate, read-only');
    expect(requested.some((u) => u.includes(readOnly))).toBe(false);
    const [cookie] = await page.cookies();
    expect(cookie).toMatchObject({ name: 'pakyas_session', httpOnly: true, sameSite: 'Strict', secure: false });
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('shows every state of the project in words, worst first', async () => {
    const words = ['Failed', 'Missing', 'Overrunning', 'Late', 'Running', 'Pending', 'On Schedule', 'Paused'];
    await eventually(async () => {
      const states = (await rows(page)).map(([s]) => s);
      return words.every((w) => states.includes(w));
    }, 15_000);
    const shown = await rows(page);
    expect(shown[0]).toEqual(['Failed', 'invoice-export']);
    expect(shown.at(-1)).toEqual(['Paused', 'archive']);
    // A symbol beside each word: never colour alone.
    expect(await page.$$eval('table.jobs .state .symbol', (s) => s.every((e) => (e.textContent ?? '').trim() !== ''))).toBe(true);
  });

  it('opens the failed job and reads its output tail, as text: nothing in it runs or links', async () => {
    await page.click(`table.jobs a[href="/jobs/${project}/invoice-export"]`);
    await page.waitForSelector('.sentence:not(.muted)');
    expect(await page.$eval('.sentence', (e) => e.textContent)).toBe('Failed (was Pending): exit code 3.');
    await page.waitForSelector('.timeline details.output');
    await page.click('.timeline details.output summary');
    const output = await page.$eval('.timeline details.output pre', (e) => e.textContent);
    expect(output).toBe(HOSTILE);
    expect(await page.$eval('main', (m) => m.textContent)).toContain('<b onmouseover="window.__pwned=3">Exports</b>');
    expect(await page.$$eval('main img, main script, main b', (e) => e.length)).toBe(0);
    expect(await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')).filter((h) => !h!.startsWith('/')))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The picture of its runs names what it shows.
    expect(await page.$eval('svg.strip-svg', (s) => s.getAttribute('role'))).toBe('img');
    expect(await page.$eval('#strip-desc', (d) => d.textContent)).toMatch(/^30 days: 1 with a failed, missing or overrunning run/);
  });

  it('changes a row within a second of a ping', async () => {
    await page.click('a[href="/"]');
    await page.waitForSelector('table.jobs');
    const before = Date.now();
    expect(await ping('ledger-sync/fail')).toBe(200);
    await page.waitForFunction((job) => [...document.querySelectorAll('table.jobs tbody tr')]
      .some((tr) => tr.querySelector('a')?.textContent === job && tr.querySelector('.state')?.textContent?.includes('Failed')), { timeout: 5000, polling: 'mutation' }, 'ledger-sync');
    expect(Date.now() - before).toBeLessThan(1000);
  });

  it('filters by tag and state from the URL, so a filtered view is a link', async () => {
    await page.goto(`${server.url}/?tag=db`);
    await page.waitForSelector('table.jobs tbody tr');
    expect((await rows(page)).map(([, j]) => j).sort()).toEqual(['backup', 'ledger-sync']);
    expect(await page.$eval('select:nth-of-type(1)', () => (document.querySelectorAll('select')[1] as HTMLSelectElement).value)).toBe('db');
    await page.goto(`${server.url}/?state=late`);
    await until(() => document.querySelectorAll('table.jobs tbody tr').length === 1);
    expect(await rows(page)).toEqual([['Late', 'cache-warmer']]);
    // Choosing a tag writes it into the address, beside the state.
    await page.select('.filters label:nth-of-type(3) select', 'finance');
    await until(() => location.search === '?state=late&tag=finance' && document.querySelector('.empty') !== null);
  });

  it('offers no pause to a read-only token, and the server refuses one from the page', async () => {
    await page.goto(`${server.url}/jobs/${project}/backup`);
    await page.waitForSelector('.sentence:not(.muted)');
    expect(await page.$$eval('.actions button', (b) => b.length)).toBe(0);
    const answer = await page.evaluate(async (p) => {
      const res = await fetch('/trpc/jobs.pause', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project: p, job: 'backup' }) });
      return { status: res.status, body: await res.text() };
    }, project);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain(`this token is read-only for project ${project}`);
    expect((await adminClient(server).jobs.get.query({ project, job: 'backup' })).state).toBe('on_schedule');
  });

  it('has no serious accessibility violations (axe-core), in light and dark, on the list and a job page', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('table.jobs tbody tr');
      expect(await axeViolations(page), `list, ${scheme}`).toEqual([]);
      await page.goto(`${server.url}/jobs/${project}/invoice-export`);
      await page.waitForSelector('.timeline li');
      expect(await axeViolations(page), `job page, ${scheme}`).toEqual([]);
    }
    await page.emulateMediaFeatures([]);
  });

  it('fits a 360 px phone and a 4K screen without sideways scrolling', async () => {
    for (const [width, height] of [[360, 740], [3840, 2160]]) {
      await page.setViewport({ width, height });
      for (const path of ['/', `/jobs/${project}/invoice-export`]) {
        await page.goto(`${server.url}${path}`);
        await page.waitForSelector(path === '/' ? 'table.jobs tbody tr' : '.timeline li');
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} at ${width} px`).toBeLessThanOrEqual(width);
      }
    }
    await page.setViewport({ width: 1280, height: 900 });
  });

  it('works from the keyboard alone: filter, open a job, come back', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('table.jobs tbody tr');
    const focusOn = async (selector: string) => {
      for (let i = 0; i < 12 && !(await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)); i++) await page.keyboard.press('Tab');
      expect(await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)).toBe(true);
    };
    await focusOn('input[type=search]');
    await page.keyboard.type('invoice');
    await until(() => document.querySelectorAll('table.jobs tbody tr').length === 1 && location.search === '?q=invoice');
    await focusOn('table.jobs a');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.sentence:not(.muted)');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await focusOn('a[href="/?q=invoice"]');
    await page.keyboard.press('Enter');
    await until(() => location.search === '?q=invoice' && document.querySelectorAll('table.jobs tbody tr').length === 1);
  });

  it('signs out: the old cookie opens nothing any more', async () => {
    const [cookie] = await page.cookies();
    await page.click('header.top button');
    await page.waitForSelector('input[type=password]');
    expect(await page.cookies()).toEqual([]);
    const res = await fetch(`${server.url}/trpc/jobs.list`, { headers: { cookie: `pakyas_session=${cookie!.value}` } });
    expect(res.status).toBe(401);
  });

  it('pauses and resumes with an admin session, after a confirmation', async () => {
    await signIn(page, server.url, ADMIN, `/jobs/${project}/queue-drain`);
    await page.waitForSelector('.actions button');
    await page.click('.actions button');
    await page.waitForSelector('dialog.confirm[open]');
    await page.type('dialog.confirm input', 'deploy window');
    await page.click('dialog.confirm button.primary');
    await page.waitForFunction(() => document.querySelector('.job-head .state')?.textContent?.includes('Paused'), { timeout: 5000 });
    expect(await page.$eval('.sentence', (e) => e.textContent)).toContain('deploy window');
    await page.click('.actions button');
    await page.waitForSelector('dialog.confirm[open]');
    await page.keyboard.press('Escape');
    await until(() => !document.querySelector('dialog.confirm'));
    expect((await adminClient(server).jobs.get.query({ project, job: 'queue-drain' })).state).toBe('paused');
    await page.click('.actions button');
    await page.click('dialog.confirm button.primary');
    await page.waitForFunction(() => !document.querySelector('.job-head .state')?.textContent?.includes('Paused'), { timeout: 5000 });
  });

  it('refuses the session cookie to a page of another origin on the same host (another port: the same site to SameSite)', async () => {
    // The admin session from the test before is in this browser; an attacker's page on another port tries to use it.
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title><p>hello</p>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    try {
      const other = await browser.newPage();
      await other.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const tried = await other.evaluate(async (base, p) => {
        const simple = await fetch(`${base}/trpc/jobs.pause`, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ project: p, job: 'ledger-sync' }) }).then(() => 'sent', (e) => String(e));
        const read = await fetch(`${base}/trpc/jobs.list`, { credentials: 'include' }).then((r) => r.status, () => 'blocked');
        return { simple, read };
      }, server.url, project);
      expect(tried.read).toBe('blocked'); // no CORS: the browser shows it nothing
      await other.close();
    } finally {
      attacker.close();
    }
    expect((await adminClient(server).jobs.get.query({ project, job: 'ledger-sync' })).state).not.toBe('paused');
  });

  it('ran without breaking its Content-Security-Policy, which allows only its own scripts, styles and API', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([]);
    expect(violations).toEqual([]);
  });
});
