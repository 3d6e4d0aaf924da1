// The web view with 5,000 jobs: how long the list takes to render, and whether it keeps up with
// 200 signals a second. Runs Debian's chromium (puppeteer-core) against a `pakyas server` process
// on Postgres. Keeping up is measured by probe signals: the time from a probe's ping to its row
// changing on the page, with no other signals (the baseline, same run) and under load; and how
// busy the page's main thread is. Targets: render < 1 s; probe p95 under load < 1 s.
import { createRequire } from 'node:module';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { ADMIN, fmt, jobSpec, machine, percentile, source, spawnServer } from './lib.mjs';
import { createClient } from '../dist/cli/client.js';

const puppeteer = createRequire(import.meta.url)('puppeteer-core');
const JOBS = Number(process.env.PAKYAS_BENCH_WEB_JOBS ?? 5000);
const RATE = Number(process.env.PAKYAS_BENCH_WEB_RATE ?? 200);
const SECONDS = Number(process.env.PAKYAS_BENCH_SECONDS ?? 15);
const CHROMIUM = process.env.PAKYAS_CHROMIUM ?? '/usr/bin/chromium';
const sizes = JSON.parse(readFileSync(new URL('../dist/web/sizes.json', import.meta.url), 'utf8'));
const js = sizes.find((s) => s.name.endsWith('.js'));
console.log(`web benchmark: ${JOBS} jobs, ${RATE} signals/s for ${SECONDS} s; ${machine()}; chromium ${CHROMIUM}`);
console.log(`bundle: ${js.name} ${fmt(js.bytes / 1024)} KiB, gzip ${fmt(js.gzip / 1024)} KiB, brotli ${fmt(js.brotli / 1024)} KiB`);

const name = (i) => `job-${String(i).padStart(5, '0')}`;
const s = await spawnServer('postgres');
const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const client = createClient({ server: s.url, token: ADMIN });
  const jobs = Array.from({ length: JOBS }, (_, i) => jobSpec(name(i), { tags: [`team-${i % 7}`] }));
  jobs.push(jobSpec('probe'));
  const { pingKey } = await client.projects.applyConfig.mutate({ config: { project: 'web', jobs, channels: [], routes: [] }, source, expectedRevision: null });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const ping = (path) => new Promise((resolve) => {
    request(`${s.url}/ping/${pingKey}/${path}`, { method: 'POST', agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', resolve).end();
  });
  // A mix of states, as a real list has.
  for (let i = 0; i < JOBS; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => ping(`${name(i + k)}${(i + k) % 5 === 0 ? '/1' : ''}`)));

  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 1000 });
  await page.goto(s.url);
  await page.waitForSelector('input[type=password]');
  await page.type('input[type=password]', ADMIN);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('table.jobs tbody tr').length === n, { timeout: 60_000 }, JOBS + 1);

  // Render: a fresh load of the list, three times. "load → rendered" is React and the browser
  // turning the answer into rows; "navigation → rendered" adds fetching the page, script and jobs.
  const renders = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await page.waitForFunction((n) => document.querySelectorAll('table.jobs tbody tr').length === n && performance.getEntriesByName('pakyas:jobs-rendered').length > 0, { timeout: 60_000 }, JOBS + 1);
    // One frame later the rows are painted.
    renders.push(await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => {
      const loaded = performance.getEntriesByName('pakyas:jobs-loaded')[0].startTime;
      const rendered = performance.getEntriesByName('pakyas:jobs-rendered')[0].startTime;
      resolve({ render: performance.now() - loaded, total: performance.now(), rendered, loaded });
    }, 0)))));
  }
  const median = (xs) => percentile(xs, 50);
  console.log(`render ${JOBS + 1} rows: load → painted median ${fmt(median(renders.map((r) => r.render)), 0)} ms (${renders.map((r) => fmt(r.render, 0)).join(', ')}); navigation → painted median ${fmt(median(renders.map((r) => r.total)), 0)} ms; target < 1000 ms`);

  // The probe row's state changes, as the page sees them.
  await page.evaluate(() => {
    window.__changes = [];
    const stateOf = () => document.querySelector('tr[data-job="web/probe"] .state')?.textContent ?? '';
    let last = stateOf();
    new MutationObserver(() => {
      const now = stateOf();
      if (now !== last) { last = now; window.__changes.push({ at: Date.now(), state: now }); }
    }).observe(document.querySelector('table.jobs tbody'), { subtree: true, childList: true, characterData: true });
  });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;

  let probeFails = true;
  const probe = async (seconds) => {
    const latencies = [];
    const busy0 = await taskSeconds();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const want = probeFails ? 'Failed' : 'On Schedule';
      const sent = Date.now();
      await ping(probeFails ? 'probe/1' : 'probe');
      probeFails = !probeFails;
      let seen = null;
      while (Date.now() - sent < 5000 && seen === null) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await page.evaluate((since, w) => window.__changes.find((c) => c.at >= since && c.state.includes(w))?.at ?? null, sent, want);
      }
      latencies.push(seen === null ? 5000 : seen - sent);
      await new Promise((r) => setTimeout(r, 300));
    }
    return { latencies, busy: (await taskSeconds() - busy0) / ((performance.now() - t0) / 1000) };
  };

  const idle = await probe(Math.min(10, SECONDS));
  let sent = 0;
  let stop = false;
  const load = (async () => {
    const start = performance.now();
    while (!stop) {
      const i = Math.floor(Math.random() * JOBS);
      void ping(`${name(i)}${Math.random() < 0.2 ? '/1' : ''}`);
      sent++;
      const wait = start + (sent * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return (sent * 1000) / (performance.now() - start);
  })();
  await new Promise((r) => setTimeout(r, 1000));
  const loaded = await probe(SECONDS);
  stop = true;
  const achieved = await load;
  const p = (xs, q) => fmt(percentile(xs, q), 0);
  console.log(`signals sent under load: ${sent} (${fmt(achieved, 0)}/s)`);
  console.log(`probe ping → row changed, no other signals (baseline): p50 ${p(idle.latencies, 50)} ms, p95 ${p(idle.latencies, 95)} ms, max ${fmt(Math.max(...idle.latencies), 0)} ms (${idle.latencies.length} probes)`);
  console.log(`probe ping → row changed at ${RATE} signals/s: p50 ${p(loaded.latencies, 50)} ms, p95 ${p(loaded.latencies, 95)} ms, max ${fmt(Math.max(...loaded.latencies), 0)} ms (${loaded.latencies.length} probes); ratio p50 ${fmt(percentile(loaded.latencies, 50) / percentile(idle.latencies, 50), 2)}; target p95 < 1000 ms`);
  console.log(`page main thread busy: ${fmt(idle.busy * 100, 0)} % idle, ${fmt(loaded.busy * 100, 0)} % at ${RATE} signals/s (ratio ${fmt(loaded.busy / Math.max(idle.busy, 0.001), 1)})`);
} finally {
  await browser.close();
  await s.stop();
}
