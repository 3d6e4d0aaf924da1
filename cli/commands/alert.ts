import { closest } from '../../schema/similar.js';
import type { ChannelSpec } from '../../schema/types.js';
import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { DEFAULT_FILE } from '../config/file.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { ALLOW_ENV_OPTION, loadDesiredOrUnset, VARIABLES_HELP } from '../config/desired.js';
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
  details: `The server sends the message, so this also checks that the server can reach the channel.
With -f it sends to the channel as the file writes it, secrets included: run it on files you
trust (not on a pull request's), or test the channel as applied, with --project P.
When the file's secrets are not set in this environment, the channel as applied to the file's
project on the server is tested instead, and the command says so.
${VARIABLES_HELP}`,
  async run(args) {
    const [action, channel] = args.positionals;
    if (action !== 'test' || !channel) {
      const near = action && action !== 'test' ? closest(action, ['test']) : null;
      throw new CliError(`pakyas alert: ${near ? `did you mean 'alert test'? ` : ''}usage: pakyas ${command.usage}`);
    }
    const conn = connection(args);
    const client = createClient(conn);
    let project = str(args, 'project');
    let spec: ChannelSpec | undefined;
    let note: string | null = null;
    if (project === undefined || str(args, 'file') !== undefined) {
      const file = str(args, 'file') ?? DEFAULT_FILE;
      const loaded = await loadDesiredOrUnset(file, args, 'alert');
      const config = 'config' in loaded ? loaded.config : loaded.written;
      if (!config) throw new CliError(`${file} is not valid; nothing was sent to the server.`);
      const names = config.channels.map((c) => c.name);
      const found = config.channels.find((c) => c.name === channel);
      if (!found) {
        const near = closest(channel, names);
        throw new CliError(`pakyas alert: no channel '${channel}' in ${file}${near ? `; did you mean '${near}'?` : ''}${names.length ? ` (channels: ${names.join(', ')})` : ''}`);
      }
      project = config.project;
      if ('config' in loaded) spec = found;
      else {
        // The file's secrets live elsewhere (CI): what can be tested from here is the channel as
        // the server has it, which is what alerts use.
        const list = loaded.unset.join(', ');
        note = `${list} ${loaded.unset.length === 1 ? 'is' : 'are'} not set here, so the test goes to ${channel} as applied to project ${project} on the server, not as ${file} writes it`;
        if (!flag(args, 'json')) process.stderr.write(`pakyas alert: ${note}\n`);
      }
    }
    const result = await call(conn, () => client.alerts.test.mutate({ project: project!, channel, ...(spec ? { spec } : {}) }));
    if (flag(args, 'json')) { printJson({ ...result, source: spec ? 'file' : 'server', ...(note ? { note } : {}) }); return result.ok ? 0 : 1; }
    // Said when it is not what the user asked for: a file's channel fell back to the server's.
    const where = note ? ' as applied on the server' : '';
    if (!result.ok) throw new CliError(`pakyas alert: the test alert to ${channel} (${result.type})${where} failed: ${result.error}`);
    process.stdout.write(`${paint('✓', 'green')} test alert sent to ${channel} (${result.type})${where}${result.resolved ? '; its test incident was resolved right after' : ''}\n`);
    return 0;
  },
};
