// A crontab → a draft pakyas.yaml, and the same crontab with each job's command run under
// `pakyas monitor NAME -- …`. Pure.
//
// The rewritten line means what the original meant: schedule, user, stdin (after %) and every
// other line stay as written. A plain command (a program and its arguments) follows `--`
// verbatim, so the shell cron starts reads it as before. Anything the shell must interpret
// (&&, pipes, redirections, a builtin such as cd) runs as `SHELL -c '…'`, the original text
// inside single quotes, with the shell cron would have used.
import { cronError, isTimeZone } from '../../schema/cron.js';
import { commandName, distinguishing } from './command-name.js';
import { parseCrontab, shellText, type CrontabLine } from './crontab-parse.js';
import { description, type Draft, type DraftJob } from './draft.js';
import { NameSet } from './names.js';

export interface CrontabOptions {
  project: string;
  /** /etc/crontab and /etc/cron.d: a user field before the command. */
  system: boolean;
  /** The zone the cron daemon runs in (CRON_TZ lines override it per job). */
  timezone: string;
  /** How the rewritten crontab calls pakyas. */
  bin: string;
  /** Where the crontab came from, for the file's header. */
  source: string;
  server?: string;
  pingKey?: string;
}

export interface CrontabImport { draft: Draft; crontab: string; notes: string[] }

type JobLine = Extract<CrontabLine, { kind: 'job' }>;
interface Found { line: JobLine; index: number; shell: string; zone: string | null; described: string | null; wrapped: string | null; words: string[]; base: string }

const HC_UUID = /(?:hc-ping\.com|\/ping)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;
const ALREADY = /^\s*\S*pakyas\s+monitor\s+(?:\S+\s+)*?(?:[a-z0-9_-]+\/)?([a-z0-9][a-z0-9_-]{0,63})\s+(?:\S+\s+)*?--\s/;
const SHELL_WORDS = new Set(['cd', 'source', '.', 'exec', 'eval', 'export', 'set', 'unset', 'if', 'for', 'while', 'until', 'case', 'function', 'time', '!', '{', '(', 'ulimit', 'umask', 'trap', 'exit', 'return', 'alias', 'shift', 'read', 'builtin', 'command', 'wait', 'local', 'declare', 'typeset', 'readonly', 'let', '[[', '((']);

export function importCrontab(text: string, o: CrontabOptions): CrontabImport {
  const lines = parseCrontab(text, o.system);
  const notes: string[] = [];
  const found: Found[] = [];
  let shell = '/bin/sh';
  let zone: string | null = null;
  lines.forEach((l, index) => {
    if (l.kind === 'env') {
      if (l.name === 'SHELL') shell = l.value || '/bin/sh';
      if (l.name === 'CRON_TZ') {
        if (isTimeZone(l.value)) zone = l.value;
        else notes.push(`CRON_TZ=${l.value} is not a time zone Pakyas knows; the jobs after it are judged in ${zone ?? o.timezone}`);
      }
      if (l.name === 'TZ') {
        notes.push(`TZ=${l.value} sets the commands' environment only: cron starts jobs by the system's time zone (or CRON_TZ), taken here as ${o.timezone}; if the host runs in ${l.value}, pass --timezone ${l.value}`);
      }
    } else if (l.kind === 'reboot') {
      notes.push(`line ${l.line}: @reboot runs at boot, not on a schedule Pakyas can expect; left as it is`);
    } else if (l.kind === 'invalid') {
      notes.push(`line ${l.line}: ${l.reason}; left as it is`);
    } else if (l.kind === 'job') {
      const why = cronError(l.schedule);
      if (why) {
        notes.push(`line ${l.line}: schedule ${JSON.stringify(l.schedule)} is not one Pakyas reads (${why}); left as it is`);
        return;
      }
      const wrapped = ALREADY.exec(l.command)?.[1] ?? null;
      const named = commandName(l.command);
      found.push({ line: l, index, shell, zone, described: describedBy(lines, index, o.system), wrapped, words: named.words, base: wrapped ?? named.name });
      if (!wrapped && HC_UUID.test(l.command)) {
        notes.push(`line ${l.line} also pings Healthchecks; pakyas monitor reports the run now, so drop that curl (or point it at PAKYAS_SERVER/ping/UUID)`);
      }
    }
  });

  const names = nameJobs(found);
  const uuids = new Set<string>();
  const jobs: DraftJob[] = found.map((f, i) => {
    const name = names[i]!;
    const cmd = shellText(f.line.command).trim();
    const job: DraftJob = {
      name,
      comments: [`crontab line ${f.line.line}${f.line.user ? ` (as ${f.line.user})` : ''}: ${cmd.length > 100 ? `${cmd.slice(0, 99)}…` : cmd}`],
      schedule: f.line.schedule,
    };
    if (f.zone && f.zone !== o.timezone) job.timezone = f.zone;
    const desc = f.described ? description(f.described) : undefined;
    if (desc) job.description = desc;
    const uuid = HC_UUID.exec(f.line.command)?.[1]?.toLowerCase();
    // A job that already pings Healthchecks keeps that check's UUID, so the URL keeps working.
    if (uuid && !uuids.has(uuid)) {
      uuids.add(uuid);
      job.uuid = uuid;
    }
    return job;
  });

  const out = lines.map((l) => l.text);
  found.forEach((f, i) => {
    if (f.wrapped) return;
    out[f.index] = `${f.line.prefix}${o.bin} monitor ${names[i]} -- ${wrap(f.line.command, f.shell)}${f.line.stdin ?? ''}`;
  });
  if (out.at(-1) === '') out.pop();
  // A crontab imported before already says where to report.
  const configured = lines.some((l) => (l.kind === 'env' && l.name === 'PAKYAS_SERVER') || /^#\s*PAKYAS_SERVER=/.test(l.text));
  const crontab = [...(configured ? [] : connectionLines(o, notes)), ...out].join('\n');

  const draft: Draft = {
    header: [
      `Imported from ${o.source} by \`pakyas import crontab\`: ${jobs.length} job${jobs.length === 1 ? '' : 's'}.`,
      `cron starts them in ${o.timezone} (defaults.timezone; CRON_TZ lines give a job its own zone).`,
      'grace and max_duration are Pakyas\'s defaults (5m and 1h): set them to what each job needs.',
    ],
    project: o.project,
    timezone: o.timezone,
    jobs,
    commented: [],
  };
  return { draft, crontab: `${crontab}\n`, notes };
}

/** Unique names: a base name several jobs share gets the argument that tells them apart, then a number. */
function nameJobs(found: Found[]): string[] {
  const byBase = new Map<string, Found[]>();
  for (const f of found) byBase.set(f.base, [...(byBase.get(f.base) ?? []), f]);
  const set = new NameSet();
  // Names already in the crontab (pakyas monitor NAME) are kept as they are.
  for (const f of found) if (f.wrapped) set.claim(f.wrapped);
  return found.map((f) => {
    if (f.wrapped) return f.wrapped;
    const same = byBase.get(f.base)!.filter((o) => !o.wrapped);
    const extra = same.length > 1 ? distinguishing(f.words, same.filter((o) => o !== f).map((o) => o.words)) : null;
    return set.claim(extra ? `${f.base.slice(0, 40)}-${extra.slice(0, 23)}`.replace(/-+$/, '') : f.base);
  });
}

/** The comment lines right above a job (no blank line between), unless they are a commented-out line of the table. */
function describedBy(lines: CrontabLine[], index: number, system: boolean): string | null {
  const text: string[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.kind !== 'comment') break;
    const body = l.text.trim().replace(/^#+\s?/, '');
    // A disabled job (#0 3 * * * …), a disabled setting (#PATH=…) or a drawing (# |  |  |) ends it.
    const parsed = body === '' ? null : parseCrontab(body, system)[0]!;
    const disabledJob = parsed?.kind === 'job' && cronError(parsed.schedule) === null;
    if (body === '' || !/[A-Za-z]{2}/.test(body) || disabledJob || parsed!.kind === 'env' || parsed!.kind === 'reboot') break;
    text.unshift(body);
  }
  return text.length ? text.join(' ') : null;
}

/** A command as it follows `pakyas monitor NAME --`, meaning what it meant alone. */
export function wrap(command: string, shell: string): string {
  if (isPlain(command)) return command;
  return `${shell} -c '${command.replace(/'/g, `'\\''`)}'`;
}

/** A program and its arguments: nothing the shell must see as a whole command line. */
export function isPlain(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first) || SHELL_WORDS.has(first)) return false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote === "'") { if (ch === "'") quote = null; continue; }
    if (ch === '\\') { i++; continue; }
    if (quote === '"') { if (ch === '"') quote = null; continue; }
    if (ch === '"' || ch === "'") quote = ch;
    else if (';&|<>(){}`\n'.includes(ch)) return false;
  }
  return quote === null;
}

/** Lines at the top of the rewritten crontab that tell pakyas monitor where to report. */
function connectionLines(o: CrontabOptions, notes: string[]): string[] {
  const lines = ['# Reporting to Pakyas (pakyas import crontab): each job runs under `pakyas monitor`, which starts it', '# at once, passes its output through and exits with its exit code, whatever the server does.'];
  if (o.server) lines.push(`PAKYAS_SERVER=${o.server}`);
  else lines.push('# PAKYAS_SERVER=https://pakyas.example.com');
  if (o.pingKey) lines.push(`PAKYAS_PING_KEY=${o.pingKey}`);
  else lines.push('# PAKYAS_PING_KEY=the-ping-key-pakyas-apply-prints');
  if (!o.server || !o.pingKey) notes.push('set PAKYAS_SERVER and PAKYAS_PING_KEY at the top of the crontab (or pass --server and --ping-key): without them the jobs still run, unreported');
  return lines;
}
