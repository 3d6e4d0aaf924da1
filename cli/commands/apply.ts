import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { DEFAULT_FILE } from '../config/file.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { ALLOW_ENV_OPTION, loadDesired, STRICT_OPTION, VARIABLES_HELP } from '../config/desired.js';
import { paint, printJson } from '../output/terminal.js';
import { renderImpactText, renderText, summary } from '../output/plan.js';
import { revisionSource, SOURCE_OPTIONS } from '../config/revision.js';
import { jobUuidLines, sentryDsn } from '../adoption-lines.js';

export const command: Command = {
  name: 'apply',
  summary: 'Make the server\'s state of the project equal to pakyas.yaml, in one transaction; prints what it did and the ping key.',
  usage: 'apply [-f FILE] [--allow-env NAME]... [--strict] [--plan-revision N] [--commit SHA] [--ref REF] [--author NAME] [--json]',
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `the config file (default ${DEFAULT_FILE})` },
    'plan-revision': { type: 'string', value: 'N', help: 'refuse to apply unless the project is still at revision N (the one a reviewed plan showed)' },
    json: { type: 'boolean', help: 'print {"project","revision","pingKey","badgeKey","changes"} as JSON' },
    ...STRICT_OPTION,
    ...ALLOW_ENV_OPTION,
    ...SOURCE_OPTIONS,
    ...CONNECTION_OPTIONS,
  },
  details: `Jobs, channels and routes missing from the file are deleted; other projects are never touched.\nApplying the same file twice changes nothing and makes no new revision.\n${VARIABLES_HELP}`,
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const planRevision = str(args, 'plan-revision');
    if (planRevision !== undefined && !/^\d+$/.test(planRevision)) throw new CliError(`pakyas apply: --plan-revision must be a revision number, not '${planRevision}'`);
    const config = await loadDesired(file, args, 'apply');
    const conn = connection(args);
    const client = createClient(conn);
    const source = revisionSource(args, file);
    const result = await call(conn, () => client.projects.applyConfig.mutate({
      config, source, expectedRevision: planRevision === undefined ? null : Number(planRevision),
    }));
    if (flag(args, 'json')) {
      printJson({ project: result.project, revision: result.revision, changed: result.changed, pingKey: result.pingKey, badgeKey: result.badgeKey, changes: result.changes, jobUuids: result.jobUuids, impact: result.impact });
      return 0;
    }
    if (!result.changed) {
      process.stdout.write(`No changes: project ${result.project} already matches ${file} (revision ${result.revision}).\n`);
    } else {
      const from = source.commit ? ` (commit ${source.commit.slice(0, 7)})` : '';
      process.stdout.write(`${paint(`Applied revision ${result.revision} of project ${result.project}${from}:`, 'bold')}\n${renderText(result.changes)}\n${renderImpactText(result.impact)}${summary(result.changes, 'done')}.\n`);
    }
    process.stdout.write(`Ping key: ${result.pingKey}\n  e.g. curl -fsS -m 10 --retry 3 ${conn.server}/ping/${result.pingKey}/JOB\n`);
    process.stdout.write(`  Sentry SDKs: dsn ${sentryDsn(conn.server, result.pingKey)} (docs/migrating.md)\n`);
    if (result.jobUuids.length > 0) process.stdout.write(jobUuidLines(conn.server, result.jobUuids));
    process.stdout.write(`Badge key (shows job states only; pakyas badge --rotate replaces it): ${result.badgeKey}\n  e.g. ${conn.server}/badge/${result.badgeKey}/JOB.svg\n`);
    return 0;
  },
};
