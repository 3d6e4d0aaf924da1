// What the dashboard's tests share: a fixed clock, a job row as the API shows it, and waiting
// for a frame.
import type { JobView } from '../../cli/client.js';

export const NOW = Date.parse('2026-11-28T10:00:00Z');
export const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

export function row(job: string, state: JobView['state'], o: Partial<JobView> = {}): JobView {
  return {
    project: 'billing', job, state, health: state === 'pending' || state === 'paused' ? null : state, lastRun: null,
    due: new Date(NOW + 3600_000).toISOString(), deadline: new Date(NOW + 3900_000).toISOString(),
    schedule: '0 3 * * *', timezone: 'UTC', grace: '5m', maxDuration: '1h', tags: [], description: null, paused: null,
    running: [], lastSignalAt: null, history: [], ...o,
  };
}

export const tick = () => new Promise((r) => setTimeout(r, 30));

/** Waits until the app's frame shows `check` (a loaded machine renders later than an idle one). */
export async function until(app: { lastFrame: () => string | undefined }, check: string | RegExp): Promise<void> {
  const end = Date.now() + 5000;
  const shown = () => { const f = app.lastFrame() ?? ''; return typeof check === 'string' ? f.includes(check) : check.test(f); };
  while (!shown()) {
    if (Date.now() > end) throw new Error(`the frame never showed ${typeof check === 'string' ? JSON.stringify(check) : String(check)}:\n${app.lastFrame()}`);
    await tick();
  }
}
