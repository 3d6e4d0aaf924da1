// The compiled JSON Schema and the translation of its errors into sentences that say what is
// allowed. ajv's own messages ("must match pattern ^(?=.)…") are for schema authors, not users.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from '../pakyas.schema.json' with { type: 'json' };
import { hasDurationShape } from './duration.js';
import { listOf } from './errors.js';
import { closest } from './similar.js';
import { CHANNEL_KINDS as CHANNEL_TYPES, MAX_GLOB_STARS, NAME_RULE } from './vocabulary.js';

export { schema };

let compiled: ValidateFunction | null = null;

/**
 * Keywords the schema carries for editors only: yaml-language-server shows `patternErrorMessage`
 * instead of "String does not match the pattern of …", and `markdownDescription`/`errorMessage`
 * where given. To ajv they are annotations, declared so that strict mode can refuse typos.
 */
export const EDITOR_KEYWORDS = ['patternErrorMessage', 'errorMessage', 'markdownDescription'] as const;

export function schemaValidator(): ValidateFunction {
  if (!compiled) {
    // Strict: a keyword ajv does not know, a `required` key no `properties` declares, or a type
    // keyword without its type is a mistake in the schema, found when it compiles.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true });
    for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'string' });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

type Def = { properties?: Record<string, unknown> };

// ajv inlines $refs, so the schema path of an error does not name the definition it came from;
// the parent schema object does.
const defNames = new Map<unknown, string>(Object.entries(schema.$defs).map(([name, def]) => [def, name]));
const defName = (parentSchema: unknown) => defNames.get(parentSchema);

function quote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${quote(v)}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false',
  object: 'a mapping of keys to values', array: 'a list',
};

export const DURATION_RULE = 'write it like 30s, 10m, 1h30m or 2d';

function allowedKeys(err: ErrorObject): string[] {
  const ps = err.parentSchema as Def | undefined;
  return Object.keys(ps?.properties ?? {});
}

/** One sentence for one ajv error; null for errors that another error already explains. */
export function describeSchemaError(err: ErrorObject): string | null {
  const p = err.params as Record<string, unknown>;
  const def = defName(err.parentSchema);
  switch (err.keyword) {
    case 'additionalProperties':
    {
      const near = closest(String(p.additionalProperty), allowedKeys(err));
      return `unknown key '${String(p.additionalProperty)}'; ${near ? `did you mean '${near}'? ` : ''}allowed keys are: ${allowedKeys(err).join(', ')}`;
    }
    case 'required':
      // A channel without a type: the discriminator's error says it, with the types allowed.
      if (def === 'channel' && p.missingProperty === 'type') return null;
      return `missing required key '${String(p.missingProperty)}'`;
    case 'type':
      return `must be ${TYPE_WORDS[String(p.type)] ?? String(p.type)}, not ${typeName(err.data)}`;
    case 'const':
      return `must be ${quote(p.allowedValue)}`;
    case 'enum':
      // An unknown channel type: the discriminator's error says it, with the types allowed.
      if (err.parentSchema === schema.$defs.channel.properties.type) return null;
    {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const near = typeof err.data === 'string' ? closest(err.data, allowed) : null;
      return `${quote(err.data)} is not allowed; ${near ? `did you mean ${quote(near)}? ` : ''}allowed values are: ${allowed.join(', ')}`;
    }
    case 'pattern': {
      if (def === 'duration') return `${quote(err.data)} is not a duration; ${DURATION_RULE}`;
      if (def === 'name') return `${quote(err.data)} is not a valid name; ${NAME_RULE}`;
      if (err.parentSchema === schema.$defs.route.properties.match.properties.job.allOf[0]) {
        return `${quote(err.data)} has too many \`*\`: a job glob may have at most ${MAX_GLOB_STARS} \`*\``;
      }
      // The editor's sentence, for a pattern whose loader check said nothing (see isLoaderCheck).
      const editor = (err.parentSchema as { patternErrorMessage?: string } | undefined)?.patternErrorMessage;
      return `${quote(err.data)} does not have the expected form${editor ? `; ${editor.charAt(0).toLowerCase()}${editor.slice(1).replace(/\.$/, '')}` : ''}`;
    }
    case 'maxLength':
      return def === 'name'
        ? `${quote(err.data)} is too long; ${NAME_RULE}`
        : `is too long: at most ${String(p.limit)} characters are allowed`;
    case 'minLength':
      return Number(p.limit) <= 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'minimum':
      return `${quote(err.data)} is too small: the least allowed is ${String(p.limit)}`;
    case 'maximum':
      return `${quote(err.data)} is too large: the most allowed is ${String(p.limit)}`;
    case 'minItems':
      return `needs at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `has too many items: at most ${String(p.limit)} are allowed`;
    case 'minProperties':
      return `must not be empty; give ${listOf(allowedKeys(err), 'and/or')}`;
    case 'maxProperties':
      return `has too many entries: at most ${String(p.limit)} are allowed`;
    case 'uniqueItems':
      return `lists ${quote((err.data as unknown[])[Number(p.j)])} twice (items ${String(p.j)} and ${String(p.i)}); each may appear once`;
    case 'discriminator':
      return p.error === 'mapping'
        ? `unknown channel type ${quote(p.tagValue)}; allowed types are: ${CHANNEL_TYPES.join(', ')}`
        : `missing required key 'type'; allowed types are: ${CHANNEL_TYPES.join(', ')}`;
    case 'oneOf':
      if (def === 'job') {
        const job = err.data;
        if (job === null || typeof job !== 'object' || Array.isArray(job)) return null; // the type error says it
        return 'schedule' in job && 'every' in job
          ? 'set either `schedule` (cron) or `every` (interval), not both'
          : 'a job needs a `schedule` (cron, like "0 3 * * *") or an `every` (interval, like 15m)';
      }
      if (err.parentSchema === schema.$defs.emailChannel.properties.to) return 'must be an email address or a list of addresses';
      return 'does not match any allowed form';
    case 'propertyNames':
      return null; // the nested error names the key and the rule
    case 'dependentRequired':
      if (def === 'emailChannel') return "`from` needs the channel's own `smtp_url`: through the server's SMTP account (PAKYAS_SMTP_URL) mail is always sent as PAKYAS_SMTP_FROM";
      return `'${String(p.property)}' needs '${String(p.missingProperty)}' as well`;
    default:
      return err.message ?? 'is not allowed here';
  }
}

/**
 * Whether the loader's own checks say more precisely what this error says. The schema's patterns
 * for cron expressions, time zones, URLs and ${…} are the editor's copy of checks that `validate`
 * makes exactly (which field of a cron expression is wrong, which settings of which channel read
 * variables), so `validate` leaves their sentences to those checks.
 */
export function isLoaderCheck(err: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (err.keyword === 'pattern') {
    const def = defName(err.parentSchema);
    if (def === 'name') return false;
    // Written as a duration but adding up to nothing (0s): the loader's range check says so.
    if (def === 'duration') return typeof err.data === 'string' && hasDurationShape(err.data);
    return true;
  }
  if (err.keyword === 'oneOf') {
    // One address or a list of them: when the branch of the value's shape fails only on such
    // patterns, the shape is right and the loader says what is wrong with the text.
    const branches = new Map<string, ErrorObject[]>();
    for (const e of all) {
      if (e === err || !e.schemaPath.startsWith(`${err.schemaPath}/`) || !e.instancePath.startsWith(err.instancePath)) continue;
      const branch = e.schemaPath.slice(err.schemaPath.length + 1).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    return [...branches.values()].some((errs) => errs.every((e) => isLoaderCheck(e, all)));
  }
  return false;
}

/** Whether an error is a branch detail of a oneOf that has its own sentence. */
export function isInnerDetail(err: ErrorObject, all: ErrorObject[]): boolean {
  return all.some((outer) =>
    outer.keyword === 'oneOf' &&
    err.schemaPath.startsWith(`${outer.schemaPath}/`) &&
    err.instancePath.startsWith(outer.instancePath),
  );
}
