// Durations as written in pakyas.yaml: 30s, 5m, 1h30m, 2d. Units largest first, each at most once,
// so that a duration reads one way only (no "90m30m").

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const MAX_DURATION_SECONDS = 366 * 86400;

/** Whether the text is written as a duration, whatever it adds up to (0s and 400d are). */
export function hasDurationShape(text: string): boolean {
  return text !== '' && DURATION.test(text);
}

/** Seconds, or null when the text is not a duration of at least 1s and at most a year. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m || text === '') return null;
  const [d, h, min, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number];
  const seconds = d * 86400 + h * 3600 + min * 60 + s;
  return seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : null;
}

/** The canonical way to write a number of seconds: 90 → "1m30s", 7200 → "2h". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  let rest = Math.round(seconds);
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
