// Config errors are values: each says where (file:line:col and the key path) and what is allowed.

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  /** The key path in the file, like jobs.nightly-backup.grace or routes[0].notify[1]; '' for the whole file. */
  path: string;
  message: string;
}

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** `pakyas.yaml:12:5: jobs.nightly-backup.grace: "10 minutes" is not a duration; …` */
export function formatError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** `pakyas.yaml:8:15: warning: jobs.etl.grace: …` */
export function formatWarning(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col}: warning: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** A GitHub Actions annotation, shown on the pull request's diff at the offending line. */
export function formatGithub(e: ConfigError, level: 'error' | 'warning' = 'error'): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::${level} file=${prop(e.file)},line=${e.line},col=${e.col},title=pakyas::${esc(`${e.path ? `${e.path}: ` : ''}${e.message}`)}`;
}

/** "a, b or c": a list of what is allowed, as a sentence ends it. */
export function listOf(items: readonly string[], last = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}
