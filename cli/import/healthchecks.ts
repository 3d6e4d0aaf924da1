// Healthchecks' Management API v3 check list (GET /api/v3/checks/, and /api/v3/channels/ when the
// key may read it) → a draft pakyas.yaml. Pure: fetching is the command's business.
//   slug → the job's name; cron schedule + tz, or period (timeout) as `every`; grace; tags;
//   desc; the check's UUID, so its ping URLs keep working; paused checks paused. Healthchecks
//   marks a started check down when its grace passes, so max_duration is the grace too.
import { formatDuration, parseDuration } from '../../schema/duration.js';
import { cronError, isTimeZone } from '../../schema/cron.js';
import { description, type Draft, type DraftJob } from './draft.js';
import { NameSet, NAME, slugify } from './names.js';

export interface HcCheck {
  name?: string;
  slug?: string;
  tags?: string;
  desc?: string;
  grace?: number;
  status?: string;
  uuid?: string;
  ping_url?: string;
  unique_key?: string;
  channels?: string;
  timeout?: number;
  schedule?: string;
  tz?: string;
  methods?: string;
  manual_resume?: boolean;
  filter_subject?: boolean;
  filter_body?: boolean;
  filter_http_body?: boolean;
  start_kw?: string;
  success_kw?: string;
  failure_kw?: string;
}

export interface HcChannel { id: string; name?: string; kind?: string }

export interface Imported { draft: Draft; notes: string[] }

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The list the API returns ({"checks": [...]}), or a bare array of checks. */
export function readChecks(data: unknown): HcCheck[] | null {
  const list = Array.isArray(data) ? data : (data as { checks?: unknown } | null)?.checks;
  return Array.isArray(list) && list.every((c) => c && typeof c === 'object' && !Array.isArray(c)) ? list as HcCheck[] : null;
}

export function readChannels(data: unknown): HcChannel[] | null {
  const list = Array.isArray(data) ? data : (data as { channels?: unknown } | null)?.channels;
  return Array.isArray(list) && list.every((c) => c && typeof c === 'object' && typeof (c as HcChannel).id === 'string') ? list as HcChannel[] : null;
}

export function importHealthchecks(checks: HcCheck[], channels: HcChannel[] | null, project: string, source: string): Imported {
  const notes: string[] = [];
  const names = new NameSet();
  const zones = new Map<string, number>();
  for (const c of checks) if (typeof c.schedule === 'string' && c.tz) zones.set(c.tz, (zones.get(c.tz) ?? 0) + 1);
  const defaultZone = [...zones.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const zone = defaultZone && isTimeZone(defaultZone) ? defaultZone : undefined;

  const jobs: DraftJob[] = [];
  const skipped: string[][] = [];
  const usedBy = new Map<string, string[]>();
  let withoutUuid = 0;
  for (const c of checks) {
    const title = c.name || c.slug || c.uuid || 'unnamed check';
    const name = names.claim(jobName(c));
    const job: DraftJob = { name, comments: [`Healthchecks: ${title}${c.name && c.slug && c.name !== c.slug ? ` (${c.slug})` : ''}`] };
    const unsupported: string[] = [];
    if (typeof c.schedule === 'string') {
      const why = cronError(c.schedule);
      if (why) {
        skipped.push([`${title}: Healthchecks schedule ${JSON.stringify(c.schedule)} is not a cron expression Pakyas reads (${why});`,
          'write it as a 5-field cron schedule (OnCalendar and Quartz forms are not read) and move the job under jobs:',
          `  ${name}:`, `    schedule: "…"`, ...(c.tz ? [`    timezone: ${c.tz}`] : []), ...(uuidOf(c) ? [`    uuid: ${uuidOf(c)}`] : []), '']);
        notes.push(`${name}: its schedule ${JSON.stringify(c.schedule)} is not a cron expression Pakyas reads; written commented out at the end of the file`);
        continue;
      }
      job.schedule = c.schedule.trim();
      if (c.tz && c.tz !== zone) {
        if (isTimeZone(c.tz)) job.timezone = c.tz;
        else notes.push(`${name}: time zone ${JSON.stringify(c.tz)} is not one Pakyas knows; the default zone is used`);
      }
    } else if (Number.isInteger(c.timeout) && c.timeout! >= 1) {
      job.every = formatDuration(c.timeout!);
    } else {
      notes.push(`${name}: the check has neither a schedule nor a period; written as every 1d`);
      job.every = '1d';
    }
    if (Number.isInteger(c.grace) && c.grace! >= 1) {
      job.grace = formatDuration(c.grace!);
      job.max_duration = job.grace;
    }
    const tags = tagsOf(c.tags ?? '');
    if (tags.dropped.length) notes.push(`${name}: tags ${tags.dropped.map((t) => JSON.stringify(t)).join(', ')} are not Pakyas names and were left out`);
    if (tags.kept.length) job.tags = tags.kept;
    const desc = description(c.desc ?? '');
    if (desc) job.description = desc;
    if (c.status === 'paused') job.paused = true;
    const uuid = uuidOf(c);
    if (uuid) job.uuid = uuid;
    else withoutUuid++;
    if (c.methods === 'POST') unsupported.push('only POST counts (Pakyas takes HEAD, GET and POST alike)');
    if (c.manual_resume) unsupported.push('manual resume (resume it with pakyas resume)');
    if (c.filter_subject || c.filter_body || c.filter_http_body) unsupported.push('keyword filters (Pakyas reads the URL, not the body: send /fail or an exit status)');
    if (unsupported.length) job.comments.push(`Not imported: ${unsupported.join('; ')}`);
    for (const id of (c.channels ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      usedBy.set(id, [...(usedBy.get(id) ?? []), name]);
    }
    jobs.push(job);
  }
  const wide = jobs.filter((j) => j.every && j.grace && parseDuration(j.grace)! * 2 >= parseDuration(j.every)!).length;
  if (wide > 0) {
    notes.push(`${wide} job${wide === 1 ? ' keeps' : 's keep'} a grace of half its period or more, as Healthchecks allows (it counts grace after the period): the deadline stays period + grace after a run, and pakyas validate warns that such windows overlap`);
  }
  if (withoutUuid > 0) {
    notes.push(`${withoutUuid} check${withoutUuid === 1 ? '' : 's'} came without a UUID (a read-only API key leaves it out): those jobs get new UUIDs, so their ping URLs change; import with a read-write key to keep them`);
  }
  const commented = [...channelStubs(channels, usedBy, jobs.length, notes), ...(skipped.length ? [['Checks that could not be imported as they are:', ...skipped.flat()]] : [])];
  const header = [
    `Imported from Healthchecks (${source}) by \`pakyas import healthchecks\`: ${jobs.length} of ${checks.length} checks.`,
    'Each job keeps its check\'s UUID: https://hc-ping.com/UUID becomes PAKYAS_SERVER/ping/UUID (docs/migrating.md).',
    'max_duration is the check\'s grace: Healthchecks marks a started check down when its grace runs out.',
  ];
  return { draft: { header, project, ...(zone ? { timezone: zone } : {}), jobs, commented }, notes };
}

function jobName(c: HcCheck): string {
  if (c.slug && NAME.test(c.slug)) return c.slug;
  return slugify(c.slug || c.name || '') || `check-${(uuidOf(c) ?? c.unique_key ?? '').slice(0, 8) || 'unnamed'}`;
}

function uuidOf(c: HcCheck): string | undefined {
  const found = (typeof c.uuid === 'string' && UUID.exec(c.uuid)?.[0]) || (typeof c.ping_url === 'string' && UUID.exec(c.ping_url)?.[0]);
  return found ? found.toLowerCase() : undefined;
}

function tagsOf(text: string): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const tag of text.split(/\s+/).filter(Boolean)) {
    const name = slugify(tag);
    if (name === '' || kept.length >= 32) dropped.push(tag);
    else if (!kept.includes(name)) kept.push(name);
  }
  return { kept, dropped };
}

/** Healthchecks integration kinds that have a Pakyas channel, with the settings each needs. */
const KINDS: Record<string, { type: string; settings: (secret: string) => string[] }> = {
  email: { type: 'email', settings: (s) => ['to: [ops@example.com]', 'from: pakyas@example.com', `smtp_url: \${PAKYAS_SECRET_${s}_SMTP_URL}`] },
  webhook: { type: 'webhook', settings: (s) => [`url: \${PAKYAS_SECRET_${s}_URL}`] },
  slack: { type: 'slack', settings: (s) => [`webhook_url: \${PAKYAS_SECRET_${s}_WEBHOOK_URL}`] },
  mattermost: { type: 'slack', settings: (s) => [`webhook_url: \${PAKYAS_SECRET_${s}_WEBHOOK_URL}`] },
  discord: { type: 'discord', settings: (s) => [`webhook_url: \${PAKYAS_SECRET_${s}_WEBHOOK_URL}`] },
  pd: { type: 'pagerduty', settings: (s) => [`routing_key: \${PAKYAS_SECRET_${s}_ROUTING_KEY}`] },
  pagerduty: { type: 'pagerduty', settings: (s) => [`routing_key: \${PAKYAS_SECRET_${s}_ROUTING_KEY}`] },
};

/**
 * Integrations as commented-out channels and routes: their settings (addresses, webhook URLs,
 * keys) are not in the API, and secrets belong in the environment anyway.
 */
function channelStubs(channels: HcChannel[] | null, usedBy: Map<string, string[]>, jobCount: number, notes: string[]): string[][] {
  if (usedBy.size === 0 && !channels?.length) return [];
  const known = new Map((channels ?? []).map((c) => [c.id, c]));
  const names = new NameSet();
  const stubs: string[] = [];
  // Channels that hear the same checks share one route.
  const routes = new Map<string, { jobs: string[]; notify: string[] }>();
  const ids = [...new Set([...(channels ?? []).map((c) => c.id), ...usedBy.keys()])];
  for (const id of ids) {
    const c = known.get(id);
    const name = names.claim(slugify(c?.name ?? '', 48) || `hc-${id.slice(0, 8)}`);
    const kind = KINDS[c?.kind ?? ''];
    const what = c ? `Healthchecks "${c.name ?? ''}" (${c.kind ?? 'unknown kind'})` : `Healthchecks integration ${id} (its name and kind need an API key that may read integrations)`;
    stubs.push(`  ${name}:    # ${what}`);
    if (kind) stubs.push(`    type: ${kind.type}`, ...kind.settings(name.toUpperCase().replace(/-/g, '_')).map((s) => `    ${s}`));
    else stubs.push(`    type: webhook    # no Pakyas channel of this kind: a webhook to a gateway can stand in`, `    url: \${PAKYAS_SECRET_${name.toUpperCase().replace(/-/g, '_')}_URL}`);
    const jobs = usedBy.get(id) ?? [];
    if (jobs.length === 0) continue;
    const key = jobs.join(',');
    routes.set(key, { jobs, notify: [...(routes.get(key)?.notify ?? []), name] });
  }
  const routeLines = [...routes.values()].flatMap(({ jobs, notify }) => (jobs.length === jobCount
    ? ['  - match: { job: "*" }', `    notify: [${notify.join(', ')}]`]
    : [`  - match: { tags: [${notify[0]}] }    # tag these jobs ${notify[0]}: ${jobs.join(', ')}`, `    notify: [${notify.join(', ')}]`]));
  notes.push(`${ids.length} integration${ids.length === 1 ? '' : 's'} written as commented-out channels and routes: fill in their secrets (\${PAKYAS_SECRET_…}) and uncomment them`);
  return [[
    'Integrations from Healthchecks, as stubs: their settings and secrets are not in its API.',
    'Put each secret in the environment where plan and apply run, then uncomment.',
    'channels:', ...stubs,
    ...(routeLines.length ? ['routes:', ...routeLines] : []),
  ]];
}
