import { CliError, flag, str, type Command } from '../command.js';
import { call, createClient } from '../client.js';
import { CONNECTION_OPTIONS, connection } from '../connection.js';
import { printJson, table } from '../output/terminal.js';

export const command: Command = {
  name: 'token',
  summary: 'Create, list and revoke API tokens (needs an admin token).',
  usage: 'token create [--project P] [--read-only] [--name NAME] | token list | token revoke ID',
  positionals: { max: 2, names: 'ACTION [ID]' },
  options: {
    project: { type: 'string', value: 'P', help: 'limit the new token to one project (created empty if it does not exist yet)' },
    'read-only': { type: 'boolean', help: 'the new token can read but not apply, pause or resume' },
    name: { type: 'string', value: 'NAME', help: 'a label for the new token, like "github-actions billing"' },
    json: { type: 'boolean', help: 'print JSON' },
    ...CONNECTION_OPTIONS,
  },
  details: 'A new token is printed once; the server keeps only its hash. Store it as a CI secret (PAKYAS_TOKEN).',
  async run(args) {
    const [action, id] = args.positionals;
    const conn = connection(args);
    const client = createClient(conn);
    if (action === 'create') {
      const project = str(args, 'project');
      const name = str(args, 'name');
      const t = await call(conn, () => client.tokens.create.mutate({ readOnly: flag(args, 'read-only'), ...(project ? { project } : {}), ...(name ? { name } : {}) }));
      if (flag(args, 'json')) { printJson(t); return 0; }
      const scope = t.admin ? 'admin (every project)' : `${t.readOnly ? 'read-only' : 'read-write'} for project ${t.project}`;
      process.stdout.write(`Token ${t.id}, ${scope}. Shown this once:\n  ${t.token}\n`);
      return 0;
    }
    if (action === 'list') {
      const tokens = await call(conn, () => client.tokens.list.query());
      if (flag(args, 'json')) { printJson(tokens); return 0; }
      const rows = [['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED']];
      for (const t of tokens) {
        rows.push([String(t.id), t.name, t.admin ? 'admin' : `${t.readOnly ? 'read-only' : 'read-write'} ${t.project}`, t.createdAt.slice(0, 16).replace('T', ' '), t.lastUsedAt ? t.lastUsedAt.slice(0, 16).replace('T', ' ') : 'never']);
      }
      process.stdout.write(`${table(rows)}\n`);
      return 0;
    }
    if (action === 'revoke') {
      if (!id || !/^\d+$/.test(id)) throw new CliError('pakyas token revoke: give the token ID shown by `pakyas token list`');
      await call(conn, () => client.tokens.revoke.mutate({ id: Number(id) }));
      process.stdout.write(`Token ${id} revoked.\n`);
      return 0;
    }
    throw new CliError(`pakyas token: ${action ? `unknown action '${action}'` : 'an action is needed'}; use create, list or revoke\nusage: pakyas ${command.usage}`);
  },
};
