import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { DEFAULT_FILE } from '../config/file.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { ALLOW_ENV_OPTION, loadDesired, STRICT_OPTION, VARIABLES_HELP } from '../config/desired.js';
import { paint, printJson } from '../output/terminal.js';
import { renderImpactText, renderMarkdown, renderText, SECRETS_NOT_COMPARED, summary } from '../output/plan.js';

export const command: Command = {
  name: 'plan',
  summary: 'Show what `pakyas apply` would change on the server, field by field, secrets redacted.',
  usage: 'plan [-f FILE] [--allow-env NAME]... [--strict] [--format text|markdown] [--json]',
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the config file (default ${DEFAULT_FILE})` },
    format: { type: 'string', value: 'FORMAT', help: 'text (default) or markdown, for a pull-request comment' },
    json: { type: 'boolean', help: 'print the plan as JSON' },
    ...STRICT_OPTION,
    ...ALLOW_ENV_OPTION,
    ...CONNECTION_OPTIONS,
  },
  details: `Exits 0 when there is nothing to change, 2 when there are changes, and 1 on error.\n${VARIABLES_HELP}\nWith a read-only token, secret settings are not compared.`,
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const format = str(args, 'format') ?? 'text';
    if (!['text', 'markdown'].includes(format)) throw new CliError(`pakyas plan: --format must be text or markdown, not '${format}'`);
    const config = await loadDesired(file, args, 'plan');
    const conn = connection(args);
    const client = createClient(conn);
    const plan = await call(conn, () => client.projects.planConfig.mutate({ config }));
    const code = plan.changes.length > 0 ? 2 : 0;
    const note = plan.secretsCompared ? '' : `${SECRETS_NOT_COMPARED}\n`;
    if (flag(args, 'json')) {
      printJson(plan);
    } else if (format === 'markdown') {
      process.stdout.write(renderMarkdown(plan));
    } else if (plan.changes.length === 0) {
      process.stdout.write(`No changes: project ${plan.project} matches ${file} (revision ${plan.revision}).\n${note}`);
    } else {
      const head = plan.exists ? `Project ${plan.project}, revision ${plan.revision} → ${plan.revision + 1}:` : `Project ${plan.project} is new:`;
      process.stdout.write(`${paint(head, 'bold')}\n${renderText(plan.changes)}\n${renderImpactText(plan.impact)}Plan: ${summary(plan.changes, 'plan')}. Apply with: pakyas apply -f ${file} --plan-revision ${plan.revision}\n${note}`);
    }
    return code;
  },
};
