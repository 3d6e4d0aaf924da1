import { parseDuration } from '../../schema/duration.js';
import { CliError, flag, requiredJob, str, type Command } from '../command.js';
import { call, createClient, type TimelineEntry } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { neutralise, outputBlock } from '../output/terminal-text.js';
import { paint, printJson } from '../output/terminal.js';

/** Lines of a signal's output shown under it; --output shows all. A timeline holds many runs. */
export const TIMELINE_OUTPUT_LINES = 5;
/** The most entries the server gives in one request; more are read page by page. */
const PAGE = 1000;

export const command: Command = {
  name: 'timeline',
  summary: 'The job\'s timeline: every signal (with the end of its output), transition and its reason, alert and config change.',
  usage: 'timeline JOB [--project P] [--limit N] [--before ID | --since TIME | --all] [--output] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'the project of JOB, if the name is in several' },
    limit: { type: 'string', short: 'n', value: 'N', help: 'how many of the newest entries (default 50; with --since or --all, no limit)' },
    before: { type: 'string', value: 'ID', help: 'entries older than entry ID (the next page; the first line says which ID)' },
    since: { type: 'string', value: 'TIME', help: 'entries from TIME on: ISO-8601 (2026-11-28T03:00Z) or a duration ago (2h, 3d)' },
    all: { type: 'boolean', help: 'every entry the server keeps (for scripts)' },
    output: { type: 'boolean', help: `the whole output under each signal, not its last ${TIMELINE_OUTPUT_LINES} lines` },
    json: { type: 'boolean', help: 'print JSON (newest first; each entry with the output its signal carried)' },
    ...CONNECTION_OPTIONS,
  },
  details: `Entries are read ${PAGE} at a time; --since and --all read every page. Output is shown with its
control characters as symbols (ESC as ␛), never sent to the terminal. Times are UTC.`,
  async run(args) {
    const name = requiredJob(args, command);
    const limitText = str(args, 'limit');
    const limit = limitText === undefined ? null : Number(limitText);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw new CliError(`pakyas timeline: --limit must be a whole number from 1 up, not '${limitText}'`);
    const beforeText = str(args, 'before');
    const before = beforeText === undefined ? undefined : Number(beforeText);
    if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new CliError(`pakyas timeline: --before takes an entry ID, a whole number, not '${beforeText}'`);
    const since = sinceTime(str(args, 'since'));
    const all = flag(args, 'all');
    if ([before !== undefined, since !== undefined, all].filter(Boolean).length > 1) throw new CliError('pakyas timeline: give one of --before, --since and --all');
    // --since and --all read to the end; otherwise one page of the newest (or those before ID).
    const wanted = limit ?? (since !== undefined || all ? Infinity : 50);

    const conn = connection(args);
    const client = createClient(conn);
    const ref = jobRef(name, str(args, 'project'));
    const entries: TimelineEntry[] = [];
    let cursor = before;
    let page;
    do {
      const take = Math.min(PAGE, wanted - entries.length);
      page = await call(conn, () => client.jobs.timeline.query({ ...ref, limit: take, ...(cursor ? { before: cursor } : {}), ...(since ? { since } : {}) }));
      entries.push(...page.entries);
      cursor = page.nextBefore ?? undefined;
    } while (cursor !== undefined && entries.length < wanted);
    const nextBefore = page.nextBefore;

    if (flag(args, 'json')) { printJson({ project: page.project, job: page.job, entries, nextBefore }); return 0; }
    const full = `${page.project}/${page.job}`;
    process.stdout.write(`${paint(full, 'bold')} (oldest first, times UTC)\n`);
    if (nextBefore !== null) process.stdout.write(`${paint(`… older entries: pakyas timeline ${full} --before ${nextBefore}`, 'dim')}\n`);
    // A timeline reads like a log: oldest first, the newest at the bottom next to the prompt.
    for (const e of [...entries].reverse()) {
      const kind = e.kind.padEnd(10);
      const tone = e.kind === 'transition' ? 'bold' : e.kind === 'missed' ? 'red' : e.kind === 'alert' ? 'magenta' : 'dim';
      process.stdout.write(`${e.at.slice(0, 19).replace('T', ' ')} UTC  ${paint(kind, tone)}  ${neutralise(e.message, { singleLine: true })}\n`);
      // A one-line log signal's text is its message already.
      if (e.output && !(e.kind === 'log' && !e.output.trim().includes('\n'))) {
        const lines = outputBlock(e.output, {
          count: flag(args, 'output') ? null : TIMELINE_OUTPUT_LINES, cutBytes: e.outputCutBytes, indent: '    │ ', more: '--output shows all',
        });
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    }
    if (entries.length === 0) process.stdout.write(since ? `No entries since ${since}.\n` : 'No entries yet.\n');
    return 0;
  },
};

/** --since as an ISO-8601 time: given as one, or as a duration ago. */
function sinceTime(text: string | undefined, now = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const ago = parseDuration(text);
  if (ago !== null) return new Date(now - ago * 1000).toISOString();
  // A date alone, or a time without a zone, is read as UTC: the timeline's times are UTC.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const t = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) {
    throw new CliError(`pakyas timeline: --since '${text}' is not a time; write it like 2026-11-28T03:00Z, 2026-11-28, or a duration ago like 2h or 3d`);
  }
  return new Date(t).toISOString();
}
