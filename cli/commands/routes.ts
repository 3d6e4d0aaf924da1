// `pakyas routes`: the effective routing table, from the file alone: who hears what, and why.
import { routingTable, routingWarnings } from '../../server/core/routing.js';
import { flag, str, type Command } from '../command.js';
import { fileJob, loadOffline } from '../config/desired.js';
import { DEFAULT_FILE } from '../config/file.js';
import { jobName } from '../connection.js';
import { paint, printJson, table } from '../output/terminal.js';

export const command: Command = {
  name: 'routes',
  summary: 'Show who hears what: for each job and transition, the channels that hear it and the routes that send it (offline).',
  usage: 'routes [JOB] [-f FILE] [--json]',
  positionals: { max: 1, names: 'JOB' },
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the config file (default ${DEFAULT_FILE})` },
    json: { type: 'boolean', help: 'print the table as JSON' },
  },
  details: 'Routes are numbered as they stand in the file (#1 is the first). A recovery goes, when it happens,\nonly to the channels among those listed that heard the bad news.',
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const config = await loadOffline(file);
    const wanted = args.positionals[0] === undefined ? undefined : fileJob('routes', config, file, jobName(args.positionals[0]));
    const rows = routingTable(config, wanted);
    if (flag(args, 'json')) {
      printJson(rows.map((r) => ({ project: config.project, job: r.job, transition: r.transition, channels: r.channels })));
      return 0;
    }
    const nobody = paint('nobody', 'red');
    const lines = [['JOB', 'TRANSITION', 'HEARD BY'], ...rows.map((r) => [
      r.job, r.transition,
      r.channels.length ? r.channels.map((c) => `${c.channel} (route${c.routes.length > 1 ? 's' : ''} ${c.routes.map((n) => `#${n}`).join(', ')})`).join(', ') : nobody,
    ])];
    process.stdout.write(`${table(lines)}\n`);
    const warnings = routingWarnings(config).filter((w) => wanted === undefined || (w.path[0] === 'jobs' && w.path[1] === wanted));
    for (const w of warnings) process.stderr.write(`${paint('warning:', 'yellow')} ${w.message}\n`);
    return 0;
  },
};
