// argv → command. Command modules are loaded on demand so that `pakyas monitor` and `pakyas ping`
// never pay for YAML, tRPC or Ink; this is also the single place where failures become messages
// and exit codes.
import { closest } from '../schema/similar.js';
import { BUILD } from './build-info.js';
import { CliError, commandHelp, parseCommandArgs, type Command } from './command.js';

type Loader = () => Promise<{ command: Command }>;

const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  init: { summary: 'write a starter pakyas.yaml', load: () => import('./commands/init.js') },
  validate: { summary: 'check pakyas.yaml offline', load: () => import('./commands/validate.js') },
  next: { summary: 'show the next expected runs of each job (offline)', load: () => import('./commands/next.js') },
  plan: { summary: 'show what apply would change on the server', load: () => import('./commands/plan.js') },
  apply: { summary: 'sync pakyas.yaml to the server', load: () => import('./commands/apply.js') },
  routes: { summary: 'show who hears what: the routing table (offline)', load: () => import('./commands/routes.js') },
  status: { summary: 'the state of every job, or of one', load: () => import('./commands/status.js') },
  timeline: { summary: "a job's timeline: what happened and why", load: () => import('./commands/timeline.js') },
  pause: { summary: 'pause a job (signals recorded, not judged)', load: () => import('./commands/pause.js') },
  resume: { summary: 'resume a paused job', load: () => import('./commands/resume.js') },
  monitor: { summary: 'run a command and report it (start, output tail, finish)', load: () => import('./commands/monitor.js') },
  ping: { summary: 'send one signal by hand', load: () => import('./commands/ping.js') },
  alert: { summary: 'send a test alert through a channel', load: () => import('./commands/alert.js') },
  import: { summary: 'write pakyas.yaml from Healthchecks or a crontab', load: () => import('./commands/import.js') },
  dashboard: { summary: 'the live terminal UI', load: () => import('./commands/dashboard.js') },
  token: { summary: 'create, list and revoke API tokens', load: () => import('./commands/token.js') },
  badge: { summary: "show or rotate a project's badge key", load: () => import('./commands/badge.js') },
  server: { summary: 'run the Pakyas server', load: () => import('./commands/server.js') },
};

/** Commands that reach a server: after them, signals spooled by earlier runs are sent (SPEC §7). */
const REACHES_SERVER = new Set(['plan', 'apply', 'status', 'timeline', 'pause', 'resume', 'ping', 'token', 'alert', 'dashboard', 'badge']);

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'pakyas: job monitoring from execution signals',
    '',
    'usage: pakyas COMMAND [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    "Run 'pakyas COMMAND --help' for a command's options.",
    'Connection settings: --server/PAKYAS_SERVER, --token/PAKYAS_TOKEN, --ping-key/PAKYAS_PING_KEY.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) {
      process.stdout.write(commandHelp((await COMMANDS[rest[0]]!.load()).command));
      return 0;
    }
    process.stdout.write(mainHelp());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`pakyas ${BUILD.version} (commit ${BUILD.commit})\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const hint = closest(name, Object.keys(COMMANDS));
    throw new CliError(`pakyas: unknown command '${name}'${hint ? `; did you mean '${hint}'?` : ''}\nRun 'pakyas --help' for the list of commands.`);
  }
  const { command } = await entry.load();
  const args = parseCommandArgs(command, rest);
  if (args === 'help') {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const code = await command.run(args);
  if (REACHES_SERVER.has(command.name)) await replaySpooled();
  // Only after the replay: a spooled signal being sent when the process ended would be lost.
  if (command.endsProcess) setTimeout(() => process.exit(), 200).unref();
  return code;
}

async function replaySpooled(): Promise<void> {
  const { replaySpool, spoolDir } = await import('./signals/spool.js');
  const report = await replaySpool(3000).catch(() => null);
  if (!report) return;
  if (report.sent > 0) process.stderr.write(`[pakyas] sent ${report.sent} spooled signal${report.sent === 1 ? '' : 's'} from ${spoolDir()}\n`);
  for (const d of report.dropped) process.stderr.write(`[pakyas] warning: dropped a spooled signal: ${d}\n`);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const e = err as Error;
    process.stderr.write(`pakyas: unexpected error: ${e?.message ?? String(err)}\n`);
    if (process.env.PAKYAS_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    else process.stderr.write('Set PAKYAS_DEBUG=1 to see where it happened, and please report it.\n');
    process.exitCode = 1;
  },
);
