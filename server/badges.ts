// Status badges: /badge/<badge-key>/<job-or-tag>.svg for a README, and .json for Shields' endpoint
// badge. A badge key reads one project's states and nothing else: no output, reason or time. An
// unknown key, job or tag all get the same 404, so a badge URL cannot be used to probe names.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_LABEL, type Status } from '../schema/vocabulary.js';
import { STATE_SYMBOL, worstOf } from './core/looks.js';
import { badgeStates } from './db/badges.js';
import type { Queryable } from './db/port.js';

/** Dark enough for white text at 11 px (WCAG AA, 4.5:1) on every one. */
export const BADGE_COLOUR: Record<Status, string> = {
  on_schedule: '#2e7d32', late: '#8a5300', failed: '#c62828', missing: '#b3261e', overrunning: '#8e24aa',
  running: '#00707f', pending: '#3559a8', paused: '#616161',
};

const BADGE_PATH = /^\/badge\/(pkb_[0-9a-f]{64})\/([a-z0-9][a-z0-9_-]{0,63})\.(svg|json)$/;

export async function handleBadge(db: Queryable, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Badges are read with GET\n');
  }
  const m = BADGE_PATH.exec(path);
  const rows = m ? await badgeStates(db, m[1]!, m[2]!) : [];
  const job = rows.find((r) => r.name === m?.[2]);
  const state = job ? job.status : worstOf(rows.filter((r) => r.tagged).map((r) => r.status));
  if (!m || state === null) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    return void res.end('No such badge\n');
  }
  const name = m[2]!;
  const message = `${STATE_SYMBOL[state as Status] ?? ''} ${STATUS_LABEL[state as Status] ?? state}`.trim();
  const colour = BADGE_COLOUR[state as Status] ?? '#616161';
  // Fresh enough for a README, cheap for the camo proxies that fetch badges for GitHub.
  const headers = { 'cache-control': 'public, max-age=60, must-revalidate' };
  if (m[3] === 'json') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    return void res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ schemaVersion: 1, label: name, message, color: colour.slice(1) }));
  }
  res.writeHead(200, { ...headers, 'content-type': 'image/svg+xml; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : badgeSvg(name, message, colour));
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Roughly Verdana 11 px: enough to size the two halves without measuring fonts. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[iljtfr.,:;'|!\-\s]/.test(ch) ? 4 : /[mwMW]/.test(ch) ? 10 : /[A-Z]/.test(ch) ? 8 : 7;
  return w;
}

/** A flat two-part badge, hand-drawn: the name on grey, the state in words on its colour. */
export function badgeSvg(label: string, message: string, colour: string): string {
  const lw = textWidth(label) + 12;
  const mw = textWidth(message) + 12;
  const title = xml(`${label}: ${message}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${lw + mw}" height="20" role="img" aria-label="${title}">`
    + `<title>${title}</title>`
    + `<rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${colour}"/>`
    + '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
    + `<text x="${lw / 2}" y="14">${xml(label)}</text><text x="${lw + mw / 2}" y="14">${xml(message)}</text></g></svg>`;
}
