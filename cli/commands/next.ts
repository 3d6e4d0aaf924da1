import { formatDuration } from '../../schema/duration.js';
import { describeSchedule, formatClock, formatLocal } from '../../server/core/format.js';
import { upcomingRuns } from '../../server/core/windows.js';
import { CliError, flag, str, type Command } from '../command.js';
import { fileJob, loadOffline } from '../config/desired.js';
import { DEFAULT_FILE } from '../config/file.js';
import { jobName } from '../connection.js';
import { paint, printJson, table } from '../output/terminal.js';

export const command: Command = {
  name: 'next',
  summary: 'Show the next expected runs of each job, with window and deadline, in the job\'s zone and UTC (offline).',
  usage: 'next [JOB] [-f FILE] [--from ISO] [--count N] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the config file (default ${DEFAULT_FILE})` },
    from: { type: 'string', value: 'ISO', help: 'compute from this moment instead of now, like 2026-03-07T12:00:00Z' },
    count: { type: 'string', short: 'n', value: 'N', help: 'how many runs per job (default 5, at most 1000)' },
    json: { type: 'boolean', help: 'print the runs as JSON (times in ISO-8601 UTC)' },
  },
  details: 'A run is on time when it starts inside its window [due − grace, due + grace]; at the deadline\n(due + grace) with no run, the job is missing. `every` jobs are shown as if applied at --from.',
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const from = parseFrom(str(args, 'from'));
    const count = parseCount(str(args, 'count'));
    const config = await loadOffline(file);
    const wanted = args.positionals[0] === undefined ? undefined : fileJob('next', config, file, jobName(args.positionals[0]));
    const jobs = wanted === undefined ? config.jobs : config.jobs.filter((j) => j.name === wanted);

    const report = jobs.map((job) => ({ job, runs: upcomingRuns(job, from, count) }));
    if (flag(args, 'json')) {
      printJson(report.map(({ job, runs }) => ({
        project: config.project,
        job: job.name,
        schedule: job.schedule.kind === 'cron' ? { cron: job.schedule.cron } : { every: formatDuration(job.schedule.everySeconds) },
        timezone: job.timezone,
        graceSeconds: job.graceSeconds,
        runs: runs.map((r) => ({
          due: r.due.toISOString(),
          windowStart: r.windowStart.toISOString(),
          deadline: r.deadline.toISOString(),
          dueLocal: formatLocal(r.due, job.timezone),
        })),
      })));
      return 0;
    }

    const blocks = report.map(({ job, runs }) => {
      const zone = job.timezone;
      const title = `${paint(job.name, 'bold')}  ${describeSchedule(job)}, grace ${formatDuration(job.graceSeconds)}`;
      const note = job.schedule.kind === 'every' ? `\n  ${paint(`(measured from the previous run's start; shown as if the last run started at ${formatLocal(from, 'UTC')})`, 'dim')}` : '';
      const rows = [[`due (${zone})`, 'window', 'due (UTC)', 'deadline (UTC)']].map((r) => r.map((c) => paint(c, 'dim')));
      for (const r of runs) {
        rows.push([
          formatLocal(r.due, zone),
          `${formatClock(r.windowStart, zone)}–${formatClock(r.deadline, zone)}`,
          formatLocal(r.due, 'UTC'),
          formatLocal(r.deadline, 'UTC'),
        ]);
      }
      return `${title}${note}\n${table(rows).replace(/^/gm, '  ')}`;
    });
    process.stdout.write(`${blocks.join('\n\n')}\n`);
    return 0;
  },
};

function parseFrom(text: string | undefined): Date {
  if (text === undefined) return new Date();
  // A bare date-time without a zone would silently mean the machine's zone: ask for one.
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text);
  const d = new Date(text);
  if (!ok || Number.isNaN(d.getTime())) {
    throw new CliError(`pakyas next: --from '${text}' is not an ISO-8601 time with a zone; write it like 2026-03-07T12:00:00Z or 2026-03-07T13:00:00+01:00`);
  }
  return d;
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return 5;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new CliError(`pakyas next: --count must be a whole number from 1 to 1000, not '${text}'`);
  }
  return n;
}
