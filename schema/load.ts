// pakyas.yaml text → { config } or { errors }. Three passes, each only over what the one before
// accepted: YAML syntax, the JSON Schema, then what a schema cannot say (cron expressions, time
// zones, durations, channel references, which ${VAR}s may be read and where). Every error carries
// file:line:col.
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { ErrorObject } from 'ajv';
import { urlSettingError } from './channels.js';
import { cronError, isTimeZone } from './cron.js';
import { parseDuration } from './duration.js';
import { closest } from './similar.js';
import { formatPath, listOf, type ConfigError, type PathSegment } from './errors.js';
import { normalise } from './normalise.js';
import { SECRET_SETTINGS, type ChannelType, type PakyasFile, type ProjectConfig } from './types.js';
import { describeSchemaError, DURATION_RULE, isInnerDetail, isLoaderCheck, schemaValidator } from './validator.js';
import { configWarnings, type Warning } from './warnings.js';
import { expandVariables, referencedNames, type VariableRules } from './variables.js';
import { MAX_FILE_BYTES, MAX_YAML_ALIASES } from './vocabulary.js';

export type LoadResult =
  | { ok: true; config: ProjectConfig; file: PakyasFile; warnings: ConfigError[] }
  | { ok: false; errors: ConfigError[] };

export interface LoadOptions {
  /** The name errors are reported under (default pakyas.yaml). */
  file?: string;
  /** When given, ${VAR} references in secret settings are replaced from it; a missing one is an error. */
  env?: Record<string, string | undefined>;
  /** Variables the file may read although not named PAKYAS_SECRET_* (`--allow-env`), given or not an env. */
  allowEnv?: readonly string[];
  /**
   * More warnings from layers above this one (the routing's, from server/core/routing.ts), each
   * placed at its line like the file's own.
   */
  moreWarnings?: (config: ProjectConfig) => Warning[];
}

export function loadConfig(text: string, options: LoadOptions = {}): LoadResult {
  const file = options.file ?? 'pakyas.yaml';
  const lines = new LineCounter();
  const errors: ConfigError[] = [];
  const at = (offset: number, path: readonly PathSegment[], message: string) => {
    const { line, col } = lines.linePos(offset);
    errors.push({ file, line, col, path: formatPath(path), message });
  };

  // Files larger than this are refused before parsing: a monitor file is never this big.
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; split it into one file per project` }] };
  }

  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  // An error found at the end of the text (an unclosed quote or bracket) would point past the last
  // line, at a line no editor shows: point at the end of the last line with content instead.
  const lastContent = Math.max(0, text.trimEnd().length - 1);
  for (const e of doc.errors) {
    const dup = /Map keys must be unique/.test(e.message);
    at(Math.min(e.pos[0], lastContent), [], dup ? `duplicate key ${keyText(text, e.pos)}; each key may appear once in a mapping` : `YAML syntax: ${firstLine(e.message)}`);
  }
  if (errors.length > 0) return { ok: false, errors };

  let data: unknown;
  try {
    // Aliases are legal YAML but a few hundred of them can expand into gigabytes (a "billion
    // laughs" file); a monitor file has no need for more than a handful.
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: `YAML: ${(err as Error).message}; a monitor file needs at most ${MAX_YAML_ALIASES} aliases (*name)` }] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: 'the file is empty; it needs at least `version: 1` and `project: NAME`' }] };
  }

  const validate = schemaValidator();
  const valid = validate(data);
  const leftToLoader: ErrorObject[] = [];
  if (!valid) {
    const all = validate.errors ?? [];
    for (const err of all) {
      if (isInnerDetail(err, all)) continue;
      if (isLoaderCheck(err, all)) {
        leftToLoader.push(err);
        continue;
      }
      const message = describeSchemaError(err);
      if (message === null) continue;
      const path = pointerToPath(err.instancePath);
      const p = err.params as Record<string, unknown>;
      const key = (err as { propertyName?: string }).propertyName
        ?? (err.keyword === 'additionalProperties' ? String(p.additionalProperty) : undefined);
      if (key !== undefined) {
        at(keyOffset(doc, path, key), [...path, key], message);
      } else {
        at(valueOffset(doc, path), path, message);
      }
    }
  }
  // The checks a schema cannot express run on the whole file even when the schema found errors,
  // so that one run of `pakyas validate` shows everything; they skip values of the wrong shape.
  const schemaErrorPaths = new Set(errors.map((e) => e.path));
  const rules: VariableRules = { ...(options.env ? { env: options.env } : {}), allowEnv: options.allowEnv ?? [] };
  checkSemantics(data, doc, rules, (offset, path, message) => {
    if (!schemaErrorPaths.has(formatPath(path))) at(offset, path, message);
  });
  // A value the schema refused and the loader's checks passed would be a pattern stricter than
  // its check, a bug in the schema: it is still an error, in the schema's words, never a pass.
  for (const err of leftToLoader) {
    const path = pointerToPath(err.instancePath);
    const shown = formatPath(path);
    const explained = errors.some((e) => e.path === shown || e.path.startsWith(`${shown}.`) || e.path.startsWith(`${shown}[`));
    if (!explained) at(valueOffset(doc, path), path, describeSchemaError(err) ?? 'does not have the expected form');
  }
  if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
  const raw = data as PakyasFile;
  const config = normalise(raw, rules);
  const warnings = [...configWarnings(config, raw), ...(options.moreWarnings?.(config) ?? [])].map(({ path, message }): ConfigError => {
    const { line, col } = lines.linePos(valueOffset(doc, path));
    return { file, line, col, path: formatPath(path), message };
  });
  return { ok: true, config, file: raw, warnings };
}

type At = (offset: number, path: readonly PathSegment[], message: string) => void;

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function checkSemantics(data: unknown, doc: Document, rules: VariableRules, at: At): void {
  const where = (path: PathSegment[]) => valueOffset(doc, path);
  const durationKeys = ['grace', 'max_duration', 'every'] as const;
  const raw = asObj(data);

  const defaults = asObj(raw.defaults);
  checkZone(defaults.timezone, ['defaults', 'timezone']);
  for (const k of durationKeys) checkDuration(defaults[k], ['defaults', k]);

  const uuids = new Map<string, string>();
  for (const [name, value] of Object.entries(asObj(raw.jobs))) {
    const job = asObj(value);
    if (typeof job.uuid === 'string') {
      // Unique in the file here; unique on the server is checked by apply, which sees the others.
      const uuid = job.uuid.toLowerCase();
      const first = uuids.get(uuid);
      if (first !== undefined) at(where(['jobs', name, 'uuid']), ['jobs', name, 'uuid'], `${job.uuid} is already the uuid of job '${first}'; each job has its own UUID`);
      else uuids.set(uuid, name);
    }
    if (typeof job.schedule === 'string') {
      const why = cronError(job.schedule);
      if (why) at(where(['jobs', name, 'schedule']), ['jobs', name, 'schedule'],
        `${JSON.stringify(job.schedule)} is not a valid cron expression (${why}); write 5 fields, minute hour day-of-month month day-of-week, like "0 3 * * *", or one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually`);
    }
    checkZone(job.timezone, ['jobs', name, 'timezone']);
    for (const k of durationKeys) checkDuration(job[k], ['jobs', name, k]);
  }

  const channels = asObj(raw.channels);
  const channelNames = Object.keys(channels);
  for (const [name, value] of Object.entries(channels)) {
    const channel = asObj(value);
    const type = String(channel.type);
    const secrets = Object.hasOwn(SECRET_SETTINGS, type) ? SECRET_SETTINGS[type as ChannelType] : null;
    for (const [key, setting] of Object.entries(channel)) {
      if (key === 'type') continue;
      const values = Array.isArray(setting) ? setting : [setting];
      values.forEach((v, i) => {
        if (typeof v !== 'string') return;
        const path: PathSegment[] = Array.isArray(setting) ? ['channels', name, key, i] : ['channels', name, key];
        // Only a secret setting reads the environment: what it reads is then redacted wherever
        // the setting is shown. Anywhere else (a Slack channel name, an email address) the value
        // would be printed in plans and sent in alerts.
        const read = referencedNames(v)[0];
        if (secrets && read !== undefined && !secrets.includes(key)) {
          return at(where(path), path, `\${${read}} is not read here: \${…} variables are read only in secret settings, which for ${aChannel(type)} ${secrets.length === 1 ? 'is' : 'are'} ${listOf(secrets, 'and')}; write the value itself here`);
        }
        const expanded = expandVariables(v, rules);
        if (!expanded.ok) return at(where(path), path, expanded.message);
        if (secrets && (rules.env || read === undefined)) checkSetting(type, key, expanded.value, path);
      });
    }
  }

  const routes = Array.isArray(raw.routes) ? raw.routes : [];
  routes.forEach((route, i) => {
    const notify = asObj(route).notify;
    if (!Array.isArray(notify)) return;
    notify.forEach((channel, j) => {
      if (typeof channel === 'string' && !channelNames.includes(channel)) {
        const hint = closest(channel, channelNames);
        const defined = channelNames.length
          ? `${hint ? `did you mean '${hint}'? ` : ''}defined channels are: ${channelNames.join(', ')}`
          : 'no channels are defined under `channels`';
        at(where(['routes', i, 'notify', j]), ['routes', i, 'notify', j], `no channel named '${channel}'; ${defined}`);
      }
    });
  });

  // ${VAR} is expanded in channels' secret settings only; anywhere else it would silently stay literal.
  walkStrings(raw, [], (value, path) => {
    if (path[0] !== 'channels' && /\$\{/.test(value)) {
      at(where(path), path, '${…} variables are read only in channels\' secret settings; write the value itself here');
    }
  });

  function checkZone(zone: unknown, path: PathSegment[]): void {
    if (typeof zone !== 'string' || zone === '' || isTimeZone(zone)) return;
    const hint = suggestZone(zone);
    at(where(path), path, `${JSON.stringify(zone)} is not a known IANA time zone${hint ? ` (did you mean ${hint}?)` : ''}; write a name like UTC, Europe/Berlin or America/New_York`);
  }

  function checkDuration(text: unknown, path: PathSegment[]): void {
    if (typeof text === 'string' && parseDuration(text) === null) {
      at(where(path), path, `${JSON.stringify(text)} is not a duration between 1s and 366d; ${DURATION_RULE}`);
    }
  }

  function checkSetting(type: string, key: string, value: string, path: PathSegment[]): void {
    // The server checks the same rule (schema/channels.ts); here it is an early error with a line.
    const why = urlSettingError(type as ChannelType, key, value);
    if (!why) return;
    // After expansion the value may be a secret: name the setting, never print it.
    const shown = value === asObj(asObj(raw.channels)[String(path[1])])[key] ? JSON.stringify(value) : 'the value read from the environment';
    const smtp = key === 'smtp_url';
    const detail = smtp && /^smtps?:/.test(value) ? `: it ${why.slice(key.length + 1)}` : '';
    at(where(path), path, `${shown} is not ${smtp ? 'an smtp:// or smtps://' : 'an http:// or https://'} URL${detail ? ' of host, port and credentials only' : ''}, as ${aChannel(type)}'s ${key} must be${detail}`);
  }
}

/** "a slack channel", "an email channel". */
const aChannel = (type: string) => `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} channel`;

function walkStrings(value: unknown, path: PathSegment[], visit: (v: string, path: PathSegment[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
  }
}

let zones: string[] | null = null;
function suggestZone(zone: string): string | null {
  zones ??= Intl.supportedValuesOf('timeZone');
  return closest(zone, zones);
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

function nodeAt(doc: Document, path: readonly PathSegment[]): YamlNode | null {
  if (path.length === 0) return (doc.contents as YamlNode | null) ?? null;
  return (doc.getIn(path, true) as YamlNode | undefined) ?? null;
}

function valueOffset(doc: Document, path: readonly PathSegment[]): number {
  // Walk up until a node with a position exists (a missing value points at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node?.range) return node.range[0];
  }
  return 0;
}

function keyOffset(doc: Document, path: readonly PathSegment[], key: string): number {
  const parent = nodeAt(doc, path);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    const range = (pair?.key as YamlNode | undefined)?.range;
    if (range) return range[0];
  }
  return valueOffset(doc, path);
}

function keyText(text: string, pos: [number, number]): string {
  const key = text.slice(pos[0], text.indexOf('\n', pos[0]) >>> 0).split(':')[0]?.trim();
  return key ? `'${key}'` : '';
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors
    .filter((e) => {
      const k = `${e.line}:${e.col}:${e.path}:${e.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

