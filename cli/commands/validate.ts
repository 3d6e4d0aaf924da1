import { formatError, formatGithub } from '../../schema/errors.js';
import { loadConfig } from '../../schema/load.js';
import { CliError, flag, str, type Command } from '../command.js';
import { DEFAULT_FILE, readConfigText } from '../config-file.js';
import { ALLOW_ENV_OPTION, allowedEnv, VARIABLES_HELP } from '../desired-config.js';
import { paint, printJson } from '../output.js';

export const command: Command = {
  name: 'validate',
  summary: 'Check pakyas.yaml offline: syntax, schema, cron expressions, time zones, durations and channel references.',
  usage: 'validate [-f FILE] [--allow-env NAME]... [--format text|github] [--json]',
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the file to check (default ${DEFAULT_FILE})` },
    format: { type: 'string', value: 'FORMAT', help: 'text (default), or github for ::error annotations in GitHub Actions' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...ALLOW_ENV_OPTION,
  },
  details: `Exits 0 when the file is valid and 1 with one \`file:line:col: path: message\` line per error.\n${VARIABLES_HELP}\nvalidate reads no variable, but checks these rules; pass it the --allow-env names that plan gets.`,
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const format = str(args, 'format') ?? 'text';
    if (!['text', 'github'].includes(format)) {
      throw new CliError(`pakyas validate: --format must be text or github, not '${format}'`);
    }
    const result = loadConfig(await readConfigText(file), { file, allowEnv: allowedEnv(args, 'validate') });
    if (flag(args, 'json')) {
      printJson(result.ok
        ? { ok: true, file, project: result.config.project, jobs: result.config.jobs.length, channels: result.config.channels.length, routes: result.config.routes.length }
        : { ok: false, file, errors: result.errors });
      return result.ok ? 0 : 1;
    }
    if (!result.ok) {
      const lines = result.errors.map(format === 'github' ? formatGithub : formatError);
      process.stdout.write(`${lines.join('\n')}\n`);
      const n = result.errors.length;
      process.stderr.write(`${paint(`${n} error${n === 1 ? '' : 's'}`, 'red')} in ${file}\n`);
      return 1;
    }
    const c = result.config;
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    process.stdout.write(`${paint('✓', 'green')} ${file} is valid: project ${c.project}, ${count(c.jobs.length, 'job')}, ${count(c.channels.length, 'channel')}, ${count(c.routes.length, 'route')}\n`);
    return 0;
  },
};
