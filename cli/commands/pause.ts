import { parseDuration } from '../../schema/duration.js';
import { CliError, flag, requiredJob, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { printJson } from '../output/terminal.js';
import { stateWord, utc } from '../output/states.js';

export const command: Command = {
  name: 'pause',
  summary: 'Pause a job: its signals are recorded but not judged, and nothing alerts.',
  usage: 'pause JOB [--project P] [--reason TEXT] [--for DURATION] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'the project of JOB' },
    reason: { type: 'string', short: 'r', value: 'TEXT', help: 'why, for the timeline' },
    for: { type: 'string', value: 'DURATION', help: 'resume by itself after this long, like 2h or 30m' },
    json: { type: 'boolean', help: 'print the job as JSON' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    const name = requiredJob(args, command);
    const forText = str(args, 'for');
    const forSeconds = forText === undefined ? undefined : parseDuration(forText);
    if (forSeconds === null) throw new CliError(`pakyas pause: --for '${forText}' is not a duration; write it like 30m, 2h or 1d`);
    const conn = connection(args);
    const client = createClient(conn);
    const reason = str(args, 'reason');
    const job = await call(conn, () => client.jobs.pause.mutate({ ...jobRef(name, str(args, 'project')), ...(reason ? { reason } : {}), ...(forSeconds ? { forSeconds } : {}) }));
    if (flag(args, 'json')) { printJson(job); return 0; }
    process.stdout.write(`${job.project}/${job.job}: ${stateWord(job.state)}${job.paused?.until ? `, resumes by itself at ${utc(job.paused.until)}` : ''}\n`);
    return 0;
  },
};
