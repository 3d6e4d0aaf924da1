// `pakyas import healthchecks|crontab`: monitors that exist elsewhere become pakyas.yaml.
import { copyFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../schema/load.js';
import { isTimeZone } from '../../schema/cron.js';
import { CliError, flag, str, type Command, type ParsedArgs } from '../command.js';
import { DEFAULT_FILE } from '../config/file.js';
import { importCrontab } from '../import/crontab.js';
import { render, type Draft } from '../import/draft.js';
import { importHealthchecks, readChannels, readChecks, type HcChannel } from '../import/healthchecks.js';
import { NAME, slugify } from '../import/names.js';
import { fetchHealthchecks, pakyasOnPath, readSource, userCrontab } from '../import/sources.js';
import { paint } from '../output/terminal.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../pakyas.schema.json', import.meta.url));

export const command: Command = {
  name: 'import',
  summary: 'Write pakyas.yaml from monitors kept elsewhere: a Healthchecks project, or a crontab (printed back with each job wrapped in pakyas monitor).',
  usage: 'import healthchecks FILE|--url URL --api-key KEY [-o FILE] [--force] [--project NAME]\n       pakyas import crontab [FILE|-] [--system] [--timezone ZONE] [--bin PATH] [--server URL] [--ping-key KEY] [-o FILE] [--force]',
  positionals: { max: 2, names: 'SOURCE FILE' },
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: `where to write (default ${DEFAULT_FILE}); - prints it instead (healthchecks only)` },
    force: { type: 'boolean', help: 'overwrite the output file if it exists' },
    project: { type: 'string', value: 'NAME', help: 'the project name (default: the output directory\'s name)' },
    url: { type: 'string', value: 'URL', help: 'healthchecks: the Healthchecks site (https://healthchecks.io, or your own)' },
    'api-key': { type: 'string', value: 'KEY', help: 'healthchecks: a project API key (default $HEALTHCHECKS_API_KEY); read-write keeps the UUIDs' },
    channels: { type: 'string', value: 'FILE', help: 'healthchecks: the integrations list (GET /api/v3/channels/) beside FILE' },
    system: { type: 'boolean', help: 'crontab: lines have a user field, as in /etc/crontab and /etc/cron.d (the default for files there)' },
    timezone: { type: 'string', value: 'ZONE', help: 'crontab: the zone cron runs in on that host (default: this machine\'s)' },
    bin: { type: 'string', value: 'PATH', help: 'crontab: how the rewritten lines call pakyas (default: its full path here, as cron\'s PATH is short)' },
    server: { type: 'string', value: 'URL', help: 'crontab: PAKYAS_SERVER for the rewritten crontab (default $PAKYAS_SERVER)' },
    'ping-key': { type: 'string', value: 'KEY', help: 'crontab: PAKYAS_PING_KEY for the rewritten crontab (default $PAKYAS_PING_KEY)' },
  },
  details: `healthchecks reads the Management API v3 check list: a file saved from GET /api/v3/checks/,
or --url with --api-key. Slugs become job names; cron + tz or the period; grace; tags;
descriptions; UUIDs (so /ping/UUID keeps working); paused checks stay paused. Integrations
become commented-out channels and routes to fill in.
crontab reads FILE, - (stdin) or, with neither, your crontab (crontab -l). It writes the jobs to
pakyas.yaml and prints the crontab with each command run by pakyas monitor NAME -- …; notes go
to stderr. An existing output file is never overwritten without --force.`,
  async run(args) {
    const source = args.positionals[0];
    if (source === 'healthchecks') return importFromHealthchecks(args);
    if (source === 'crontab') return importFromCrontab(args);
    throw new CliError(`pakyas import: import from what? ${source ? `'${source}' is not a source; ` : ''}use healthchecks or crontab\nusage: pakyas ${command.usage}`);
  },
};

async function importFromHealthchecks(args: ParsedArgs): Promise<number> {
  const file = args.positionals[1];
  const url = str(args, 'url');
  if ((file === undefined) === (url === undefined)) throw new CliError('pakyas import healthchecks: give the saved check list as FILE, or --url URL with --api-key KEY (not both)');
  let checksData: unknown;
  let channels: HcChannel[] | null = null;
  const notes: string[] = [];
  if (url !== undefined) {
    const key = str(args, 'api-key') ?? process.env.HEALTHCHECKS_API_KEY;
    if (!key) throw new CliError('pakyas import healthchecks: --url needs --api-key KEY (or $HEALTHCHECKS_API_KEY): a project API key from Healthchecks\' project settings');
    const checks = await fetchHealthchecks(url, key, 'checks');
    if (checks.data === null) throw new CliError(`pakyas import healthchecks: ${url} refused the API key (HTTP ${checks.status})`);
    checksData = checks.data;
    const list = await fetchHealthchecks(url, key, 'channels');
    channels = readChannels(list.data);
    if (!channels) notes.push('the integrations could not be read with this key (a read-only key cannot): their stubs carry ids only');
  } else {
    checksData = parseJson(await readSource(file!, 'the check list'), file!);
    const channelsFile = str(args, 'channels');
    if (channelsFile) {
      channels = readChannels(parseJson(await readSource(channelsFile, 'the integrations list'), channelsFile));
      if (!channels) throw new CliError(`pakyas import healthchecks: ${channelsFile} is not Healthchecks' integrations list ({"channels": [...]})`);
    }
  }
  const checks = readChecks(checksData);
  if (!checks) throw new CliError(`pakyas import healthchecks: ${file ?? url} is not Healthchecks' check list ({"checks": [...]}, as GET /api/v3/checks/ answers)`);
  const output = str(args, 'output') ?? DEFAULT_FILE;
  const imported = importHealthchecks(checks, channels, projectName(args, output), url ?? file!);
  await writeOutput(imported.draft, output, flag(args, 'force'));
  for (const n of [...notes, ...imported.notes]) process.stderr.write(`[pakyas] note: ${n}\n`);
  if (output !== '-') process.stderr.write(`${paint('✓', 'green')} wrote ${output}: ${imported.draft.jobs.length} jobs from ${checks.length} checks; next: pakyas validate -f ${output}, then pakyas plan\n`);
  return 0;
}

async function importFromCrontab(args: ParsedArgs): Promise<number> {
  const file = args.positionals[1];
  const text = file === undefined ? userCrontab() : await readSource(file, 'the crontab');
  const path = file === undefined || file === '-' ? null : resolve(file);
  const system = flag(args, 'system') || (path !== null && (path === '/etc/crontab' || path.startsWith('/etc/cron.d/')));
  const timezone = str(args, 'timezone') ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  if (!isTimeZone(timezone)) throw new CliError(`pakyas import crontab: --timezone '${timezone}' is not an IANA time zone, like UTC or Europe/Berlin`);
  const output = str(args, 'output') ?? DEFAULT_FILE;
  if (output === '-') throw new CliError('pakyas import crontab: the rewritten crontab goes to stdout; write pakyas.yaml to a file with -o FILE');
  const found = pakyasOnPath();
  const bin = str(args, 'bin') ?? found ?? 'pakyas';
  const server = str(args, 'server') ?? process.env.PAKYAS_SERVER;
  const pingKey = str(args, 'ping-key') ?? process.env.PAKYAS_PING_KEY;
  const imported = importCrontab(text, {
    project: projectName(args, output), system, timezone, bin,
    source: file === undefined ? 'your crontab' : file === '-' ? 'a crontab on stdin' : `crontab ${file}`,
    ...(server ? { server } : {}), ...(pingKey ? { pingKey } : {}),
  });
  await writeOutput(imported.draft, output, flag(args, 'force'));
  process.stdout.write(imported.crontab);
  const notes = [...imported.notes];
  if (!str(args, 'bin') && !found) notes.unshift('pakyas is not on this PATH: the crontab calls plain `pakyas`, which cron finds only on its own PATH (/usr/bin:/bin unless a PATH line says more); pass --bin /path/to/pakyas');
  for (const n of notes) process.stderr.write(`[pakyas] note: ${n}\n`);
  process.stderr.write(`${paint('✓', 'green')} wrote ${output}: ${imported.draft.jobs.length} jobs; the crontab above runs them under pakyas monitor (install it with crontab FILE once pakyas apply has run)\n`);
  return 0;
}

function projectName(args: ParsedArgs, output: string): string {
  const given = str(args, 'project');
  const name = given ?? (slugify(basename(dirname(resolve(output === '-' ? DEFAULT_FILE : output)))) || 'imported');
  if (!NAME.test(name)) throw new CliError(`pakyas import: '${name}' is not a valid project name; use lowercase letters, digits, '-' and '_' (or pass --project NAME)`);
  return name;
}

/** Validates the file as `pakyas validate` would, then writes it (never over a file without --force). */
async function writeOutput(draft: Draft, output: string, force: boolean): Promise<void> {
  const text = render(draft);
  const loaded = loadConfig(text, { file: output === '-' ? 'pakyas.yaml' : output });
  if (!loaded.ok) {
    // An importer's bug, never the user's: say so rather than write a file that does not validate.
    throw new Error(`the imported file does not validate:\n${loaded.errors.map((e) => `${e.line}:${e.col}: ${e.path}: ${e.message}`).join('\n')}`);
  }
  if (output === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text, { flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`pakyas import: ${output} already exists; it was left as it is (pass --force to overwrite it, or -o OTHER_FILE)`);
    throw new CliError(`pakyas import: cannot write ${output} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // The schema beside the file lets editors complete and check it, as after pakyas init.
  await copyFile(SCHEMA_FILE, join(dirname(resolve(output)), 'pakyas.schema.json')).catch(() => undefined);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`pakyas import healthchecks: ${file} is not JSON`);
  }
}
