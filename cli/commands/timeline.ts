import { CliError, flag, requiredJob, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { CONNECTION_OPTIONS, connection, jobRef } from '../connection.js';
import { paint, printJson } from '../output/terminal.js';

export const command: Command = {
  name: 'timeline',
  summary: 'The job\'s timeline: every signal, transition and its reason, alert and config change.',
  usage: 'timeline JOB [--project P] [--limit N] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    project: { type: 'string', value: 'P', help: 'the project of JOB, if the name is in several' },
    limit: { type: 'string', short: 'n', value: 'N', help: 'how many of the newest entries (default 50, at most 1000)' },
    json: { type: 'boolean', help: 'print JSON (newest first)' },
    ...CONNECTION_OPTIONS,
  },
  async run(args) {
    const name = requiredJob(args, command);
    const limitText = str(args, 'limit') ?? '50';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`pakyas timeline: --limit must be a whole number from 1 to 1000, not '${limitText}'`);
    const conn = connection(args);
    const client = createClient(conn);
    const page = await call(conn, () => client.jobs.timeline.query({ ...jobRef(name, str(args, 'project')), limit }));
    if (flag(args, 'json')) { printJson(page); return 0; }
    process.stdout.write(`${paint(`${page.project}/${page.job}`, 'bold')} (oldest first)\n`);
    // A timeline reads like a log: oldest first, the newest at the bottom next to the prompt.
    for (const e of [...page.entries].reverse()) {
      const kind = e.kind.padEnd(10);
      const tone = e.kind === 'transition' ? 'bold' : e.kind === 'missed' ? 'red' : e.kind === 'alert' ? 'magenta' : 'dim';
      process.stdout.write(`${e.at.slice(0, 19).replace('T', ' ')}  ${paint(kind, tone)}  ${e.message}\n`);
    }
    if (page.entries.length === 0) process.stdout.write('No entries yet.\n');
    return 0;
  },
};
