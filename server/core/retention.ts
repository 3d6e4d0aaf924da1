// How a project's cap on stored rows is shared among its jobs. Pure: counts in, a cap out.

/**
 * The most rows any one job may keep so that all of them together keep at most `total`: the jobs
 * holding fewer keep all theirs, and the noisiest are cut to one equal share (max-min fairness).
 * A ping key can flood every job of its project, but it cannot push a quiet job's history out.
 * Never below `floor` (what the API shows of a job must stay), so a project with more jobs than
 * total ÷ floor keeps more than `total`. Infinity when everything fits.
 */
export function fairShare(counts: readonly number[], total: number, floor: number): number {
  const sorted = [...counts].sort((a, b) => a - b);
  let left = total;
  for (let i = 0; i < sorted.length; i++) {
    const share = left / (sorted.length - i);
    if (sorted[i]! > share) return Math.max(floor, Math.floor(share));
    left -= sorted[i]!;
  }
  return Infinity;
}
