// plan, apply and alert test read the file with its ${VAR}s resolved from the environment; which
// variables it may read is the CI job's choice (--allow-env), never the file's (SPEC §9).
import { formatError, formatWarning, type ConfigError } from '../../schema/errors.js';
import { loadConfig } from '../../schema/load.js';
import { routingWarnings } from '../../server/core/routing.js';
import type { ProjectConfig } from '../../schema/types.js';
import { closest } from '../../schema/similar.js';
import { isVariableName, SECRET_PREFIX } from '../../schema/variables.js';
import { CliError, flag, strs, type OptionSpec, type ParsedArgs } from '../command.js';
import { readConfigText } from './file.js';

export const ALLOW_ENV_OPTION: Record<string, OptionSpec> = {
  'allow-env': {
    type: 'string', multiple: true, value: 'NAME',
    help: `read \${NAME} in secret settings though it is not named ${SECRET_PREFIX}* (repeatable)`,
  },
};

/** The rule, for the commands' --help. */
export const VARIABLES_HELP = `\${NAME} is read from the environment in secret settings only, and only when NAME begins with
${SECRET_PREFIX} or is passed with --allow-env NAME; a missing variable is an error naming it.`;

/** The names passed with --allow-env, checked. */
export function allowedEnv(args: ParsedArgs, command: string): string[] {
  const names = strs(args, 'allow-env');
  const bad = names.find((n) => !isVariableName(n));
  if (bad !== undefined) throw new CliError(`pakyas ${command}: --allow-env takes a variable name like SLACK_WEBHOOK_URL, not '${bad}'`);
  return names;
}

export const STRICT_OPTION: Record<string, OptionSpec> = {
  strict: { type: 'boolean', help: 'treat warnings (legacy zones, overlapping windows, …) as errors' },
};

/**
 * The file as the server will get it. Warnings go to stderr, so that a plan's output stays what
 * it was; with --strict they stop the command before anything is sent.
 */
export async function loadDesired(file: string, args: ParsedArgs, command: string): Promise<ProjectConfig> {
  const loaded = await loadDesiredOrUnset(file, args, command);
  if ('unset' in loaded) {
    throw new CliError(`${loaded.errors.map(formatError).join('\n')}\n${file} is not valid; nothing was sent to the server.`);
  }
  return loaded.config;
}

/**
 * Like loadDesired, but a file whose only fault is variables not set here is not an error: the
 * file as written (its references unread) and the names missing come back instead, for a command
 * that can fall back to what the server has (alert test).
 */
export async function loadDesiredOrUnset(file: string, args: ParsedArgs, command: string): Promise<{ config: ProjectConfig } | { unset: string[]; written: ProjectConfig | null; errors: ConfigError[] }> {
  const text = await readConfigText(file);
  const allowEnv = allowedEnv(args, command);
  const result = loadConfig(text, { file, env: process.env, allowEnv, moreWarnings: routingWarnings });
  if (!result.ok) {
    const unset = result.errors.map((e) => /^environment variable (\S+) is not set/.exec(e.message)?.[1]);
    if (unset.every((n) => n !== undefined)) {
      const written = loadConfig(text, { file, allowEnv });
      return { unset: [...new Set(unset as string[])], written: written.ok ? written.config : null, errors: result.errors };
    }
    throw new CliError(`${result.errors.map(formatError).join('\n')}\n${file} is not valid; nothing was sent to the server.`);
  }
  if (result.warnings.length > 0) {
    const lines = result.warnings.map(formatWarning).join('\n');
    if (flag(args, 'strict')) throw new CliError(`${lines}\n--strict makes warnings errors; nothing was sent to the server.`);
    process.stderr.write(`${lines}\n`);
  }
  return { config: result.config };
}

/** The file's config for the commands that work offline (next, routes): read and checked, refused with its errors. */
export async function loadOffline(file: string): Promise<ProjectConfig> {
  const result = loadConfig(await readConfigText(file), { file });
  if (!result.ok) throw new CliError(`${result.errors.map(formatError).join('\n')}\n${file} is not valid; fix it first ('pakyas validate').`);
  return result.config;
}

/** A job named on the command line, which must be one of the file's: a typo gets the closest name. */
export function fileJob(command: string, config: ProjectConfig, file: string, name: string): string {
  if (config.jobs.some((j) => j.name === name)) return name;
  const names = config.jobs.map((j) => j.name);
  const hint = closest(name, names);
  throw new CliError(`pakyas ${command}: no job '${name}' in ${file}${hint ? `; did you mean '${hint}'?` : ''}${names.length ? ` (jobs: ${names.join(', ')})` : ''}`);
}
