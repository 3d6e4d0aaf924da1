// How apply shows the UUIDs it gave jobs: each job's Healthchecks-style URL (/ping/{uuid}).

const SHOWN = 20;

export function jobUuidLines(server: string, uuids: Array<{ job: string; uuid: string }>): string {
  const width = Math.max(...uuids.slice(0, SHOWN).map((u) => u.job.length));
  const lines = [`Job UUIDs (Healthchecks-style URLs, ${server}/ping/UUID; 'pakyas status JOB' shows them later):`];
  for (const u of uuids.slice(0, SHOWN)) lines.push(`  ${u.job.padEnd(width)}  ${u.uuid}`);
  if (uuids.length > SHOWN) lines.push(`  … and ${uuids.length - SHOWN} more ('pakyas apply --json' lists them all)`);
  return `${lines.join('\n')}\n`;
}
