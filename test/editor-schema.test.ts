// pakyas.schema.json as an editor uses it: yaml-language-server (the server behind VS Code's YAML
// extension and most other editors' YAML support) started as a child process and spoken to over
// LSP, as an editor does. One server for the file; every request has its own timeout.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../schema/load.js';
import { repoRoot } from './helpers/cli.js';
import { startLanguageServer, type Diagnostic, type LanguageServer } from './helpers/lsp.js';

const serverBin = join(repoRoot, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const schemaUrl = pathToFileURL(join(repoRoot, 'pakyas.schema.json')).href;
const modeline = `# yaml-language-server: $schema=${schemaUrl}`;

// A file that is valid as it is; each broken case changes one line of it.
const VALID = `${modeline}
version: 1
project: billing
defaults:
  grace: 10m
  alert_after: 2
channels:
  hook:
    type: webhook
    url: \${PAKYAS_SECRET_HOOK_URL}
  chat:
    type: slack
    webhook_url: \${PAKYAS_SECRET_SLACK_WEBHOOK_URL}
    channel: "#ops"
  mail:
    type: email
    to: ops@example.com
    smtp_url: smtps://alerts:pw@smtp.example.com:465
routes:
  - match: { job: "*" }
    notify: [hook, chat, mail]
jobs:
  nightly-backup:
    description: Dump the billing database
    schedule: "0 3 * * *"
    grace: 5m
  queue-drain:
    every: 15m
`;

/** VALID with the first line that starts with `from` (after its indentation) replaced by `to`. */
function broken(from: string, to: string): { text: string; line: number } {
  const lines = VALID.split('\n');
  const line = lines.findIndex((l) => l.trimStart().startsWith(from));
  if (line < 0) throw new Error(`no line starts with ${from}`);
  lines[line] = lines[line]!.replace(from, to);
  return { text: lines.join('\n'), line };
}

const CASES: Array<[name: string, edit: { text: string; line: number }, message: RegExp]> = [
  ['a grace that is not a duration', broken('grace: 10m', 'grace: 10 minutes'), /^Write a duration of at least 1s like 30s, 10m/],
  ['a zero duration', broken('every: 15m', 'every: 0s'), /^Write a duration of at least 1s/],
  ['a cron minute of 61', broken('schedule: "0 3 * * *"', 'schedule: "61 3 * * *"'), /^Write 5 fields, minute hour day-of-month month day-of-week/],
  ['a cron expression of four fields', broken('schedule: "0 3 * * *"', 'schedule: "0 3 * *"'), /^Write 5 fields/],
  ["Quartz's L and ? in a cron expression", broken('schedule: "0 3 * * *"', 'schedule: "0 3 L * ?"'), /Quartz's L, W, # and \? are not cron/],
  ['an unknown cron macro', broken('schedule: "0 3 * * *"', 'schedule: "@fortnightly"'), /@hourly, @daily, @midnight/],
  ['${…} in a description', broken('description: Dump the billing database', 'description: Dump ${DB_NAME}'), /^\$\{…\} variables are read only in channels' secret settings/],
  ['${…} in a setting that is not a secret', broken('channel: "#ops"', 'channel: ${PAKYAS_SECRET_CHANNEL}'), /read only in secret settings, which for a slack channel is webhook_url/],
  ['a webhook url on ftp://', broken('url: ${PAKYAS_SECRET_HOOK_URL}', 'url: ftp://example.com/hook'), /^Write an http:\/\/ or https:\/\/ URL/],
  ['an smtp_url on http://', broken('smtp_url: smtps://alerts:pw@smtp.example.com:465', 'smtp_url: http://smtp.example.com'), /^Write smtp:\/\/ or smtps:\/\//],
  ['alert_after 0', broken('alert_after: 2', 'alert_after: 0'), /below the minimum of 1/],
  ['a job name in capitals', broken('nightly-backup:', 'Nightly-Backup:'), /^Use lowercase letters, digits, '-' and '_'/],
];

const installed = existsSync(serverBin);

describe.skipIf(!installed)('pakyas.schema.json in an editor (yaml-language-server over LSP)', () => {
  let ls: LanguageServer;
  let documents = 0;

  beforeAll(async () => {
    ls = startLanguageServer([process.execPath, serverBin, '--stdio'], {
      validate: true, hover: true, completion: true, schemas: {}, schemaStore: { enable: false },
    });
    await ls.request('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(repoRoot).href,
      capabilities: {
        workspace: { configuration: true },
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: {},
        },
      },
    }, 20_000);
    ls.notify('initialized', {});
  }, 30_000);

  afterAll(async () => { await ls?.stop(); });

  /**
   * Opens a document and returns the diagnostics the server publishes for it. The URI names no
   * file on disk (the server reads the text from the message) unless given; a relative $schema
   * is resolved from its folder.
   */
  async function open(text: string, uri = pathToFileURL(join(repoRoot, 'test', `editor-doc-${++documents}.yaml`)).href): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const published = ls.nextDiagnostics(uri);
    ls.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return { uri, diagnostics: await published };
  }

  const examples = readdirSync(join(repoRoot, 'examples'))
    .map((dir) => join(repoRoot, 'examples', dir, 'pakyas.yaml'))
    .filter((file) => existsSync(file));

  it('finds the examples', () => expect(examples.length).toBeGreaterThan(0));

  for (const file of examples) {
    const name = file.slice(repoRoot.length + 1);
    it(`shows no problem in ${name}, which reads the schema by its relative path`, async () => {
      const text = readFileSync(file, 'utf8');
      expect((await open(text, pathToFileURL(file).href)).diagnostics).toEqual([]);
      // The same text with one mistake, beside it, is flagged: the schema was found, not missing.
      const wrong = await open(text.replace(/^version: 1$/m, 'version: 2'), pathToFileURL(file.replace(/\.yaml$/, '-with-a-mistake.yaml')).href);
      expect(wrong.diagnostics.map((d) => d.message)).toEqual(['Value must be 1.']);
    });
  }

  for (const name of readdirSync(join(repoRoot, 'test', 'fixtures', 'valid'))) {
    it(`shows no problem in the valid fixture ${name}`, async () => {
      const text = `${modeline}\n${readFileSync(join(repoRoot, 'test', 'fixtures', 'valid', name), 'utf8')}`;
      expect((await open(text)).diagnostics).toEqual([]);
    });
  }

  it('shows no problem in the file the broken cases start from', async () => {
    expect((await open(VALID)).diagnostics).toEqual([]);
    const check = loadConfig(VALID);
    expect(check.ok ? [] : check.errors).toEqual([]);
  });

  for (const [name, { text, line }, message] of CASES) {
    it(`flags ${name} on its line, in words, where validate flags it`, async () => {
      const { diagnostics } = await open(text);
      expect(diagnostics.map((d) => [d.range.start.line, d.message])).toEqual([[line, expect.stringMatching(message)]]);
      // A sentence, never the regex behind it.
      expect(diagnostics[0]!.message).not.toMatch(/does not match the pattern|\^|\(\?|\[A-Z/);
      const validate = loadConfig(text);
      expect(validate.ok).toBe(false);
      if (!validate.ok) expect(validate.errors.map((e) => e.line)).toContain(line + 1);
    });
  }

  it('offers the keys of a job, and the defaults of their values', async () => {
    const text = `${modeline}\nversion: 1\nproject: p\njobs:\n  backup:\n    every: 1h\n    \n`;
    const { uri } = await open(text);
    const keys = await ls.request<{ items: Array<{ label: string; insertText?: string }> }>('textDocument/completion', { textDocument: { uri }, position: { line: 6, character: 4 } });
    const labels = keys.items.map((i) => i.label);
    for (const key of ['schedule', 'grace', 'max_duration', 'timezone', 'alert_after', 'paused', 'tags', 'description']) expect(labels).toContain(key);
    expect(labels).not.toContain('every'); // already there
    expect(keys.items.find((i) => i.label === 'alert_after')?.insertText).toBe('alert_after: ${1:1}');

    const withGrace = `${modeline}\nversion: 1\nproject: p\ndefaults:\n  grace: \n  timezone: \njobs:\n  backup:\n    every: 1h\n`;
    const { uri: second } = await open(withGrace);
    const grace = await ls.request<{ items: Array<{ label: string }> }>('textDocument/completion', { textDocument: { uri: second }, position: { line: 4, character: 9 } });
    expect(grace.items.map((i) => i.label)).toContain('5m');
    const zone = await ls.request<{ items: Array<{ label: string }> }>('textDocument/completion', { textDocument: { uri: second }, position: { line: 5, character: 12 } });
    expect(zone.items.map((i) => i.label)).toContain('UTC');
  });

  it("explains a job's name and its grace on hover", async () => {
    const { uri } = await open(VALID);
    const lines = VALID.split('\n');
    const at = (prefix: string) => {
      const line = lines.findIndex((l) => l.trimStart().startsWith(prefix));
      return { line, character: lines[line]!.indexOf(prefix) + 1 };
    };
    const hover = async (prefix: string) =>
      (await ls.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: at(prefix) })).contents.value;
    const job = await hover('nightly-backup:');
    expect(job).toMatch(/^#### Job\n/);
    expect(job).toContain('ping URL');
    const grace = await hover('grace: 5m');
    expect(grace).toMatch(/^#### Grace\n/);
    expect(grace).toContain('else 5m');
  });
});
