import type { ChannelSpec } from '../../schema/types.js';
import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { DEFAULT_FILE } from '../config/file.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { ALLOW_ENV_OPTION, loadDesired, VARIABLES_HELP } from '../config/desired.js';
import { paint, printJson } from '../output/terminal.js';

export const command: Command = {
  name: 'alert',
  summary: 'Send a test alert through a channel, to check that it reaches you.',
  usage: 'alert test CHANNEL [-f FILE [--allow-env NAME]... | --project P] [--json]',
  positionals: { max: 2, names: 'test CHANNEL' },
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `take the channel from this file, with its \${VAR}s from the environment (default ${DEFAULT_FILE}); needs an admin token` },
    project: { type: 'string', value: 'P', help: 'take the channel as applied to project P on the server instead of from a file (a project token may)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...ALLOW_ENV_OPTION,
    ...CONNECTION_OPTIONS,
  },
  details: `The server sends the message, so this also checks that the server can reach the channel.\nWith -f it sends to the channel as the file writes it, secrets included: run it on files you\ntrust (not on a pull request's), or test the channel as applied, with --project P.\n${VARIABLES_HELP}`,
  async run(args) {
    const [action, channel] = args.positionals;
    if (action !== 'test' || !channel) throw new CliError(`pakyas alert: usage: pakyas ${command.usage}`);
    const conn = connection(args);
    const client = createClient(conn);
    let project = str(args, 'project');
    let spec: ChannelSpec | undefined;
    if (project === undefined || str(args, 'file') !== undefined) {
      const file = str(args, 'file') ?? DEFAULT_FILE;
      const config = await loadDesired(file, args, 'alert');
      spec = config.channels.find((c) => c.name === channel);
      if (!spec) throw new CliError(`pakyas alert: no channel '${channel}' in ${file}${config.channels.length ? ` (channels: ${config.channels.map((c) => c.name).join(', ')})` : ''}`);
      project = config.project;
    }
    const result = await call(conn, () => client.alerts.test.mutate({ project: project!, channel, ...(spec ? { spec } : {}) }));
    if (flag(args, 'json')) { printJson(result); return result.ok ? 0 : 1; }
    if (!result.ok) throw new CliError(`pakyas alert: the test alert to ${channel} (${result.type}) failed: ${result.error}`);
    process.stdout.write(`${paint('✓', 'green')} test alert sent to ${channel} (${result.type})${result.resolved ? '; its test incident was resolved right after' : ''}\n`);
    return 0;
  },
};
