// What apply says for jobs that move from other products: each new job's Healthchecks-style URL
// (/ping/{uuid}), and the project's Sentry DSN.
import { dsnKey } from '../server/core/foreign-ids.js';

const SHOWN = 20;

export function jobUuidLines(server: string, uuids: Array<{ job: string; uuid: string }>): string {
  const width = Math.max(...uuids.slice(0, SHOWN).map((u) => u.job.length));
  const lines = [`Job UUIDs (Healthchecks-style URLs, ${server}/ping/UUID; 'pakyas status JOB' shows them later):`];
  for (const u of uuids.slice(0, SHOWN)) lines.push(`  ${u.job.padEnd(width)}  ${u.uuid}`);
  if (uuids.length > SHOWN) lines.push(`  … and ${uuids.length - SHOWN} more ('pakyas apply --json' lists them all)`);
  return `${lines.join('\n')}\n`;
}

/** The DSN that sends a Sentry SDK's check-ins here: the ping key as its public key, any project id. */
export function sentryDsn(server: string, pingKey: string): string {
  const url = new URL(server);
  return `${url.protocol}//${dsnKey(pingKey)}@${url.host}${url.pathname.replace(/\/+$/, '')}/1`;
}
