import { formatError, formatGithub, formatWarning } from '../../schema/errors.js';
import { loadConfig } from '../../schema/load.js';
import { routingWarnings } from '../../server/core/routing.js';
import { CliError, flag, str, type Command } from '../command.js';
import { DEFAULT_FILE, readConfigText } from '../config/file.js';
import { ALLOW_ENV_OPTION, allowedEnv, STRICT_OPTION, VARIABLES_HELP } from '../config/desired.js';
import { paint, printJson } from '../output/terminal.js';

export const command: Command = {
  name: 'validate',
  summary: 'Check pakyas.yaml offline: syntax, schema, cron expressions, time zones, durations and channel references.',
  usage: 'validate [-f FILE] [--allow-env NAME]... [--strict] [--format text|github] [--json]',
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the file to check (default ${DEFAULT_FILE})` },
    format: { type: 'string', value: 'FORMAT', help: 'text (default), or github for ::error annotations in GitHub Actions' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...STRICT_OPTION,
    ...ALLOW_ENV_OPTION,
  },
  details: `Exits 0 when the file is valid and 1 with one \`file:line:col: path: message\` line per error.
Warnings (a legacy or fixed-offset time zone, windows that overlap, a max_duration longer than the
time between runs) are printed as \`file:line:col: warning: …\` and exit 0, or 1 with --strict.\n${VARIABLES_HELP}\nvalidate reads no variable, but checks these rules; pass it the --allow-env names that plan gets.`,
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const format = str(args, 'format') ?? 'text';
    if (!['text', 'github'].includes(format)) {
      throw new CliError(`pakyas validate: --format must be text or github, not '${format}'`);
    }
    const result = loadConfig(await readConfigText(file), { file, allowEnv: allowedEnv(args, 'validate'), moreWarnings: routingWarnings });
    const strict = flag(args, 'strict');
    if (flag(args, 'json')) {
      printJson(result.ok
        ? { ok: !(strict && result.warnings.length > 0), file, project: result.config.project, jobs: result.config.jobs.length, channels: result.config.channels.length, routes: result.config.routes.length, warnings: result.warnings }
        : { ok: false, file, errors: result.errors });
      return result.ok && !(strict && result.warnings.length > 0) ? 0 : 1;
    }
    if (!result.ok) {
      const lines = result.errors.map((e) => (format === 'github' ? formatGithub(e) : formatError(e)));
      process.stdout.write(`${lines.join('\n')}\n`);
      const n = result.errors.length;
      process.stderr.write(`${paint(`${n} error${n === 1 ? '' : 's'}`, 'red')} in ${file}\n`);
      return 1;
    }
    if (result.warnings.length > 0) {
      const lines = result.warnings.map((w) => (format === 'github' ? formatGithub(w, strict ? 'error' : 'warning') : formatWarning(w)));
      process.stdout.write(`${lines.join('\n')}\n`);
      if (strict) {
        const n = result.warnings.length;
        process.stderr.write(`${paint(`${n} warning${n === 1 ? '' : 's'}`, 'red')} in ${file}, and --strict makes warnings errors\n`);
        return 1;
      }
    }
    const c = result.config;
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    process.stdout.write(`${paint('✓', 'green')} ${file} is valid: project ${c.project}, ${count(c.jobs.length, 'job')}, ${count(c.channels.length, 'channel')}, ${count(c.routes.length, 'route')}\n`);
    return 0;
  },
};
