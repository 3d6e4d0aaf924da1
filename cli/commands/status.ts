import { flag, str, type Command } from '../command.js';
import { call, createClient, type JobView } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { printJson, table } from '../output/terminal.js';
import { relative, stateWord, utc } from '../output/states.js';
import { formatElapsed } from '../../server/core/format.js';

export const command: Command = {
  name: 'status',
  summary: 'The state of every job, or of one: state, health, last run, next due and deadline.',
  usage: 'status [JOB | PROJECT/JOB] [--project P] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'only this project (or the project of JOB)' },
    json: { type: 'boolean', help: 'print JSON: state ids and ISO-8601 UTC times' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    const conn = connection(args);
    const client = createClient(conn);
    const name = args.positionals[0];
    const project = str(args, 'project');
    const jobs: JobView[] = name !== undefined
      ? [await call(conn, () => client.jobs.get.query(jobRef(name, project)))]
      : await call(conn, () => client.jobs.list.query(project ? { project } : undefined));
    if (flag(args, 'json')) {
      printJson(jobs.map((j) => ({
        project: j.project, job: j.job, uuid: j.uuid, state: j.state, health: j.health,
        lastRun: j.lastRun && { startedAt: j.lastRun.startedAt, finishedAt: j.lastRun.finishedAt, exitCode: j.lastRun.exitCode, durationMs: j.lastRun.durationMs },
        due: j.due, deadline: j.deadline,
      })));
      return 0;
    }
    if (name !== undefined) {
      process.stdout.write(detail(jobs[0]!));
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

function detail(j: JobView): string {
  const lines = [
    `${j.project}/${j.job}: ${stateWord(j.state)}${j.health && j.health !== j.state ? ` (health: ${stateWord(j.health)})` : ''}`,
    j.description ? `  ${j.description}` : null,
    `  schedule     ${j.schedule}${j.schedule.startsWith('every') ? '' : ` in ${j.timezone}`}, grace ${j.grace}, max_duration ${j.maxDuration}`,
    j.tags.length ? `  tags         ${j.tags.join(', ')}` : null,
    j.paused ? `  paused       since ${utc(j.paused.since)}${j.paused.reason ? `: ${j.paused.reason}` : ''}${j.paused.until ? `; resumes ${utc(j.paused.until)}` : ''}` : null,
    `  last run     ${j.lastRun ? `started ${utc(j.lastRun.startedAt)}, finished ${utc(j.lastRun.finishedAt)}, ${j.lastRun.exitCode !== null ? `exit code ${j.lastRun.exitCode}` : 'no exit code'}${j.lastRun.durationMs !== null ? `, ${formatElapsed(j.lastRun.durationMs)}` : ''}` : 'never'}`,
    ...j.running.map((r) => `  running      since ${utc(r.startedAt)}${r.host ? ` on ${r.host}` : ''}${r.overrunning ? ' (overrunning)' : ''}`),
    `  next due     ${utc(j.due)} (${relative(j.due)})`,
    `  deadline     ${utc(j.deadline)} (${relative(j.deadline)})`,
    `  uuid         ${j.uuid} (Healthchecks-style URL: /ping/${j.uuid})`,
    `  timeline     pakyas timeline ${j.project}/${j.job}`,
  ];
  return `${lines.filter((l) => l !== null).join('\n')}\n`;
}
