import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import schema from '../../pakyas.schema.json' with { type: 'json' };
import { isName, MAX_NAME_LENGTH } from '../../schema/vocabulary.js';
import { CliError, str, type Command } from '../command.js';
import { DEFAULT_FILE } from '../config/file.js';
import { paint } from '../output/terminal.js';

export const command: Command = {
  name: 'init',
  summary: 'Write a commented starter pakyas.yaml (and pakyas.schema.json beside it, for editors).',
  usage: 'init [-f FILE] [--project NAME]',
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', help: `where to write (default ${DEFAULT_FILE}); an existing file is never overwritten` },
    project: { type: 'string', value: 'NAME', help: 'the project name (default: the directory name)' },
  },
  async run(args) {
    const file = str(args, 'file') ?? DEFAULT_FILE;
    const dir = dirname(resolve(file));
    const project = str(args, 'project') ?? slug(basename(dir));
    if (!isName(project)) {
      throw new CliError(`pakyas init: '${project}' is not a valid project name; use lowercase letters, digits, '-' and '_', starting with a letter or digit (or pass --project NAME)`);
    }
    try {
      await writeFile(file, starter(project), { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CliError(`pakyas init: ${file} already exists; it was left as it is (remove it or pass -f OTHER_FILE)`);
      }
      throw new CliError(`pakyas init: cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    // The schema beside the file lets editors complete and check it with no network access. It is
    // written from the copy compiled in, not copied from a file: the single binary has no files.
    await writeFile(join(dir, 'pakyas.schema.json'), `${JSON.stringify(schema, null, 2)}\n`).catch(() => undefined);
    process.stdout.write(`${paint('✓', 'green')} wrote ${file} for project ${project}\n  next: edit it, then 'pakyas validate' and 'pakyas next' to see when each job is expected\n`);
    return 0;
  },
};

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, MAX_NAME_LENGTH);
  return s || 'my-project';
}

function starter(project: string): string {
  return `# yaml-language-server: $schema=./pakyas.schema.json
# Pakyas monitors for this repository. Review changes in pull requests; apply them from CI with
# 'pakyas apply'. 'pakyas validate' checks this file offline, 'pakyas next' shows when jobs are due.
version: 1
project: ${project}

defaults:
  timezone: UTC        # IANA zone that cron schedules are evaluated in
  grace: 5m            # a run may start this long before or after its scheduled time
  max_duration: 1h     # a run that takes longer is Overrunning

channels:
  ops-alerts:
    type: slack
    # Secrets are read from the environment when plan and apply run, never committed. Only names
    # that begin with PAKYAS_SECRET_ are read (a CI job can allow another with --allow-env NAME).
    webhook_url: \${PAKYAS_SECRET_SLACK_WEBHOOK_URL}

routes:
  - match: { job: "*" }
    notify: [ops-alerts]
    on: [failed, missing, overrunning, recovered]

jobs:
  nightly-backup:
    description: Replace with what this job does, for whoever is paged
    schedule: "0 3 * * *"   # minute hour day-of-month month day-of-week
    max_duration: 2h
    tags: [critical]
  heartbeat:
    description: A worker that checks in every 15 minutes
    every: 15m
    grace: 2m
`;
}
