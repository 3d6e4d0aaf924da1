// Where the server is and who we are: flags first, then the environment, then defaults.
import type { OptionSpec, ParsedArgs } from './command.js';
import { str } from './command.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export const CONNECTION_OPTIONS: Record<string, OptionSpec> = {
  server: { type: 'string', value: 'URL', help: `the Pakyas server (default $PAKYAS_SERVER, else ${DEFAULT_SERVER})` },
  token: { type: 'string', value: 'TOKEN', help: 'API token (default $PAKYAS_TOKEN)' },
};

export interface Connection { server: string; token: string | null }

/** For the signal path (ping, monitor): the server and the project's ping key, or a token that gets it. */
export const SIGNAL_OPTIONS: Record<string, OptionSpec> = {
  server: CONNECTION_OPTIONS.server!,
  'ping-key': { type: 'string', value: 'KEY', help: 'the project\'s ping key (default $PAKYAS_PING_KEY; `pakyas apply` prints it)' },
  token: { type: 'string', value: 'TOKEN', help: 'without a ping key: an API token that may change the project (default $PAKYAS_TOKEN); the key is asked of the server once and cached' },
};

function serverUrl(args: ParsedArgs): string {
  return (str(args, 'server') ?? process.env.PAKYAS_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
}

export function signalTarget(args: ParsedArgs): { server: string; pingKey: string; token: string | null } {
  return { server: serverUrl(args), pingKey: str(args, 'ping-key') ?? process.env.PAKYAS_PING_KEY ?? '', token: connection(args).token };
}

/** The job's own name from JOB or PROJECT/JOB: on the signal path the ping key names the project. */
export function jobName(text: string): string {
  return jobRef(text, undefined).job;
}

export function connection(args: ParsedArgs): Connection {
  const server = serverUrl(args);
  const token = str(args, 'token') ?? process.env.PAKYAS_TOKEN ?? null;
  return { server, token: token || null };
}

/** JOB or PROJECT/JOB, with --project as the other way to say the project. */
export function jobRef(text: string, project: string | undefined): { project?: string; job: string } {
  const slash = text.indexOf('/');
  if (slash > 0) return { project: text.slice(0, slash), job: text.slice(slash + 1) };
  return project !== undefined ? { project, job: text } : { job: text };
}
