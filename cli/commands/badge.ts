import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { printJson } from '../output/terminal.js';

export const command: Command = {
  name: 'badge',
  summary: "Show a project's badge key and badge URLs; --rotate replaces the key, revoking the old one.",
  usage: 'badge [--project P] [--rotate] [--json]',
  options: {
    project: { type: 'string', value: 'P', help: 'the project (default: the only one this token can read)' },
    rotate: { type: 'boolean', help: 'issue a new key: badges published with the old one answer 404 from now on' },
    json: { type: 'boolean', help: 'print {"project","badgeKey","svg","shields"} as JSON' },
    ...CONNECTION_OPTIONS,
  },
  details: 'A badge key reads the states of one project\'s jobs and nothing else (no output, reasons or times).\n/badge/KEY/NAME.svg shows the job NAME, or the worst state of the jobs tagged NAME; .json is for Shields.',
  async run(args) {
    const conn = connection(args);
    const client = createClient(conn);
    let project = str(args, 'project');
    if (project === undefined) {
      const visible = await call(conn, () => client.projects.list.query());
      if (visible.length !== 1) throw new CliError(`pakyas badge: name the project with --project (this token reads ${visible.length === 0 ? 'none' : visible.map((p) => p.project).join(', ')})`);
      project = visible[0]!.project;
    }
    const name = project;
    const { badgeKey } = await call(conn, () => (flag(args, 'rotate') ? client.web.rotateBadgeKey.mutate({ project: name }) : client.web.badgeKey.query({ project: name })));
    const base = `${conn.server}/badge/${badgeKey}`;
    if (flag(args, 'json')) {
      printJson({ project: name, badgeKey, svg: `${base}/JOB.svg`, shields: `https://img.shields.io/endpoint?url=${encodeURIComponent(`${base}/JOB.json`)}` });
      return 0;
    }
    process.stdout.write(`${flag(args, 'rotate') ? 'New badge key' : 'Badge key'} of project ${name}: ${badgeKey}\n`
      + `  SVG:     ${base}/JOB.svg   (a job, or a tag: the worst state of its jobs)\n`
      + `  Shields: ${base}/JOB.json  (for https://img.shields.io/endpoint?url=…)\n`
      + `  Markdown: ![JOB](${base}/JOB.svg)\n`);
    return 0;
  },
};
