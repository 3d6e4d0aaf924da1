// Where the server is and who we are: flags first, then the environment, then defaults.
import type { OptionSpec, ParsedArgs } from './command.js';
import { str } from './command.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export const CONNECTION_OPTIONS: Record<string, OptionSpec> = {
  server: { type: 'string', value: 'URL', help: `the Pakyas server (default $PAKYAS_SERVER, else ${DEFAULT_SERVER})` },
  token: { type: 'string', value: 'TOKEN', help: 'API token (default $PAKYAS_TOKEN)' },
};

export interface Connection { server: string; token: string | null }

export function connection(args: ParsedArgs): Connection {
  const server = (str(args, 'server') ?? process.env.PAKYAS_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
  const token = str(args, 'token') ?? process.env.PAKYAS_TOKEN ?? null;
  return { server, token: token || null };
}

/** JOB or PROJECT/JOB, with --project as the other way to say the project. */
export function jobRef(text: string, project: string | undefined): { project?: string; job: string } {
  const slash = text.indexOf('/');
  if (slash > 0) return { project: text.slice(0, slash), job: text.slice(slash + 1) };
  return project !== undefined ? { project, job: text } : { job: text };
}
