import { flag, str, type Command } from '../command.js';
import { call, createClient, type JobView } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { printJson, table } from '../output/terminal.js';
import { neutralise, outputBlock } from '../output/terminal-text.js';
import { relative, stateWord, zoned } from '../output/states.js';
import { formatElapsed } from '../../server/core/format.js';

/** Lines of the last run's output `status JOB` shows; --output shows all of it. */
export const STATUS_OUTPUT_LINES = 20;

export const command: Command = {
  name: 'status',
  summary: 'The state of every job, or of one: state, health, last run and what it printed, next due and deadline.',
  usage: 'status [JOB | PROJECT/JOB] [--project P] [--output] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'only this project (or the project of JOB)' },
    output: { type: 'boolean', help: `with JOB: all of the last run's output, not only its last ${STATUS_OUTPUT_LINES} lines` },
    json: { type: 'boolean', help: 'print JSON: state ids and ISO-8601 UTC times (with JOB, the last run\'s output too)' },
    ...CONNECTION_OPTIONS,
  },
  details: `With JOB, the end of what the last run printed is shown under it (the output its finish
signal carried), control characters shown as symbols (ESC as ␛), never sent to the terminal.
Times are given in the job's zone and in UTC where the two differ.`,
  async run(args) {
    const conn = connection(args);
    const client = createClient(conn);
    const name = args.positionals[0];
    const project = str(args, 'project');
    if (name !== undefined) {
      const job = await call(conn, () => client.jobs.get.query(jobRef(name, project)));
      if (flag(args, 'json')) {
        printJson([{ ...summary(job), lastRun: job.lastRun && { ...summary(job).lastRun, output: job.lastOutput?.text ?? null, outputCutBytes: job.lastOutput?.cutBytes ?? 0 } }]);
        return 0;
      }
      process.stdout.write(detail(job, job.lastOutput, flag(args, 'output')));
      return 0;
    }
    const jobs: JobView[] = await call(conn, () => client.jobs.list.query(project ? { project } : undefined));
    if (flag(args, 'json')) {
      printJson(jobs.map(summary));
      return 0;
    }
    if (jobs.length === 0) {
      process.stdout.write('No jobs yet. Describe them in pakyas.yaml and run `pakyas apply`.\n');
      return 0;
    }
    const many = new Set(jobs.map((j) => j.project)).size > 1;
    const rows = [[...(many ? ['PROJECT'] : []), 'JOB', 'STATE', 'LAST RUN', 'NEXT DUE', 'DEADLINE']];
    for (const j of jobs) {
      rows.push([...(many ? [j.project] : []), j.job, stateWord(j.state) + healthNote(j), lastRun(j), relative(j.due), relative(j.deadline)]);
    }
    process.stdout.write(`${table(rows)}\n`);
    return 0;
  },
};

function summary(j: JobView) {
  return {
    project: j.project, job: j.job, uuid: j.uuid, state: j.state, health: j.health,
    lastRun: j.lastRun && { startedAt: j.lastRun.startedAt, finishedAt: j.lastRun.finishedAt, exitCode: j.lastRun.exitCode, durationMs: j.lastRun.durationMs },
    due: j.due, deadline: j.deadline,
  };
}

/** A Running job still owes its health: "Running (health: Failed)". */
function healthNote(j: JobView): string {
  return (j.state === 'running' || j.state === 'overrunning') && j.health && j.health !== j.state ? ` (was ${stateWord(j.health, false)})` : '';
}

function lastRun(j: JobView): string {
  if (!j.lastRun) return j.running.length ? `started ${relative(j.running[0]!.startedAt)}` : 'never';
  const r = j.lastRun;
  const code = r.exitCode !== null ? `exit ${r.exitCode}` : r.outcome === 'failed' ? 'fail' : 'ok';
  return `${relative(r.finishedAt)}, ${code}${r.durationMs !== null ? `, ${formatElapsed(r.durationMs)}` : ''}`;
}

function detail(j: JobView, output: { text: string; cutBytes: number } | null, all: boolean): string {
  const at = (iso: string | null) => zoned(iso, j.timezone);
  const r = j.lastRun;
  const lines = [
    `${j.project}/${j.job}: ${stateWord(j.state)}${j.health && j.health !== j.state ? ` (health: ${stateWord(j.health)})` : ''}`,
    j.description ? `  ${neutralise(j.description, { singleLine: true })}` : null,
    `  schedule     ${j.schedule}${j.schedule.startsWith('every') ? '' : ` in ${j.timezone}`}, grace ${j.grace}, max_duration ${j.maxDuration}`,
    j.tags.length ? `  tags         ${j.tags.join(', ')}` : null,
    j.paused ? `  paused       since ${at(j.paused.since)}${j.paused.reason ? `: ${neutralise(j.paused.reason, { singleLine: true })}` : ''}${j.paused.until ? `; resumes ${at(j.paused.until)}` : ''}` : null,
    `  last run     ${r ? `${r.startedAt ? `started ${at(r.startedAt)}, ` : ''}finished ${at(r.finishedAt)} (${relative(r.finishedAt)}), ${r.exitCode !== null ? `exit code ${r.exitCode}` : r.outcome === 'failed' ? 'failed, no exit code' : 'no exit code'}${r.durationMs !== null ? ` after ${formatElapsed(r.durationMs)}` : ''}` : 'never'}`,
    ...j.running.map((o) => `  running      since ${at(o.startedAt)} (for ${formatElapsed(Math.max(0, Date.now() - Date.parse(o.startedAt)))})${o.host ? ` on ${neutralise(o.host, { singleLine: true })}` : ''}${o.overrunning ? ' (overrunning)' : ''}`),
    `  next due     ${at(j.due)} (${relative(j.due)})`,
    `  deadline     ${at(j.deadline)} (${relative(j.deadline)})`,
    j.uuid ? `  uuid         ${j.uuid} (Healthchecks-style URL: /ping/${j.uuid})` : null,
    `  timeline     pakyas timeline ${j.project}/${j.job}`,
  ];
  if (r && output) {
    lines.push('  output of the last run:');
    lines.push(...outputBlock(output.text, { count: all ? null : STATUS_OUTPUT_LINES, cutBytes: output.cutBytes, indent: '    ', more: `pakyas status ${j.project}/${j.job} --output shows all` }));
  } else if (r) {
    lines.push('  output       none sent with the last run');
  }
  return `${lines.filter((l) => l !== null).join('\n')}\n`;
}
