import { flag, requiredJob, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { printJson } from '../output/terminal.js';
import { stateWord, utc } from '../output/states.js';

export const command: Command = {
  name: 'resume',
  summary: 'Resume a paused job: it is judged again from its next scheduled run.',
  usage: 'resume JOB [--project P] [--reason TEXT] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'the project of JOB' },
    reason: { type: 'string', short: 'r', value: 'TEXT', help: 'why, for the timeline' },
    json: { type: 'boolean', help: 'print the job as JSON' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    const name = requiredJob(args, command);
    const conn = connection(args);
    const client = createClient(conn);
    const reason = str(args, 'reason');
    const job = await call(conn, () => client.jobs.resume.mutate({ ...jobRef(name, str(args, 'project')), ...(reason ? { reason } : {}) }));
    if (flag(args, 'json')) { printJson(job); return 0; }
    process.stdout.write(`${job.project}/${job.job}: ${stateWord(job.state)}; next run due ${utc(job.due)}, deadline ${utc(job.deadline)}\n`);
    return 0;
  },
};
