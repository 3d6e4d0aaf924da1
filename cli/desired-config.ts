// plan and apply read the file with its ${VAR}s resolved from the environment.
import { formatError } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import type { ProjectConfig } from '../schema/types.js';
import { CliError } from './command.js';
import { readConfigText } from './config-file.js';

export async function loadDesired(file: string): Promise<ProjectConfig> {
  const result = loadConfig(await readConfigText(file), { file, env: process.env });
  if (!result.ok) {
    throw new CliError(`${result.errors.map(formatError).join('\n')}\n${file} is not valid; nothing was sent to the server.`);
  }
  return result.config;
}
