// A plan for people: text for terminals, Markdown for a pull-request comment.
import type { Change } from '../../server/core/plan.js';
import { countChanges, describeField } from '../../server/core/plan.js';
import { paint } from './terminal.js';

const SIGN = { create: '+', update: '~', delete: '-' } as const;
const COLOUR = { create: 'green', update: 'yellow', delete: 'red' } as const;
const WORD = { create: 'create', update: 'update', delete: 'delete' } as const;

/** What a plan made with a read-only token says about the secrets it did not compare. */
export const SECRETS_NOT_COMPARED = 'Secret settings were not compared: this token is read-only, so a change to a secret alone does not show here.';

export function summary(changes: Change[], tense: 'plan' | 'done'): string {
  const n = countChanges(changes);
  const words = tense === 'plan' ? ['to create', 'to update', 'to delete'] : ['created', 'updated', 'deleted'];
  return `${n.create} ${words[0]}, ${n.update} ${words[1]}, ${n.delete} ${words[2]}`;
}

// A created resource lists its values; `to` is already what may be shown (plan.ts redacts).
const fieldLine = (c: Change) => (f: Change['fields'][number]) => (c.action === 'create' ? `${f.field}: ${f.to}` : describeField(f));

export function renderText(changes: Change[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(paint(`  ${SIGN[c.action]} ${c.kind} ${c.name}`, COLOUR[c.action]));
    if (c.action !== 'delete') lines.push(...c.fields.map(fieldLine(c)).map((l) => `      ${l}`));
  }
  return lines.join('\n');
}

export function renderMarkdown(plan: { project: string; revision: number; changes: Change[]; secretsCompared: boolean }): string {
  const { project, revision, changes } = plan;
  const note = plan.secretsCompared ? [] : [`_${SECRETS_NOT_COMPARED}_`, ''];
  if (changes.length === 0) return [`### Pakyas plan for \`${project}\``, '', `No changes: the server matches \`pakyas.yaml\` (revision ${revision}).`, '', ...note].join('\n');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = changes.map((c) => {
    const what = c.action === 'delete' ? '' : c.fields.map(fieldLine(c)).join('<br>');
    return `| ${SIGN[c.action]} ${WORD[c.action]} | ${c.kind} | \`${cell(c.name)}\` | ${cell(what)} |`;
  });
  return [
    `### Pakyas plan for \`${project}\``,
    '',
    `Against revision ${revision}: ${summary(changes, 'plan')}.`,
    '',
    '| | kind | name | change |',
    '|---|---|---|---|',
    ...rows,
    '',
    ...note,
  ].join('\n');
}
