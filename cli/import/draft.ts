// What an importer produces before it becomes pakyas.yaml: jobs with the comments that explain
// where they came from, commented-out blocks for what could not be imported, and notes for the
// person running the import. render() writes the file; the command then validates it like any
// other file, so an importer can never write what `pakyas validate` refuses.

export interface DraftJob {
  name: string;
  /** Comment lines written above the job (without "#"). */
  comments: string[];
  description?: string;
  schedule?: string;
  every?: string;
  timezone?: string;
  grace?: string;
  max_duration?: string;
  tags?: string[];
  paused?: boolean;
  uuid?: string;
}

export interface Draft {
  /** Comment lines at the top of the file (without "#"). */
  header: string[];
  project: string;
  timezone?: string;
  jobs: DraftJob[];
  /** Blocks written commented out after the jobs: channels, routes, jobs that could not be kept. */
  commented: string[][];
}

const KEY_ORDER = ['description', 'schedule', 'every', 'timezone', 'grace', 'max_duration', 'tags', 'paused', 'uuid'] as const;

/** Text of the file; every string that is not a name, duration, zone or UUID is a JSON string, which YAML reads as written. */
export function render(d: Draft): string {
  const out: string[] = ['# yaml-language-server: $schema=./pakyas.schema.json', ...d.header.map(comment), 'version: 1', `project: ${d.project}`];
  if (d.timezone) out.push('defaults:', `  timezone: ${d.timezone}`);
  out.push(d.jobs.length > 0 ? 'jobs:' : 'jobs: {}');
  for (const j of d.jobs) {
    for (const c of j.comments) out.push(`  ${comment(c)}`);
    out.push(`  ${j.name}:`);
    for (const key of KEY_ORDER) {
      const v = j[key];
      if (v === undefined) continue;
      if (key === 'description' || key === 'schedule') out.push(`    ${key}: ${JSON.stringify(v)}`);
      else if (key === 'tags') out.push(`    tags: [${(v as string[]).join(', ')}]`);
      else out.push(`    ${key}: ${String(v)}`);
    }
  }
  for (const block of d.commented) out.push('', ...block.map(comment));
  return `${out.join('\n')}\n`;
}

function comment(line: string): string {
  return line === '' ? '#' : `# ${line.replace(/[\r\n]+/g, ' ')}`;
}

/** A description as pakyas.yaml takes it: at most 500 characters, and no ${ (never a variable). */
export function description(text: string): string | undefined {
  const clean = text.replace(/\$\{/g, '$ {').replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > 500 ? `${clean.slice(0, 499)}…` : clean;
}
