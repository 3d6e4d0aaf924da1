// A plan for people: text for terminals, Markdown for a pull-request comment.
import type { Change } from '../server/core/plan.js';
import { countChanges, describeField } from '../server/core/plan.js';
import { paint } from './output.js';

const SIGN = { create: '+', update: '~', delete: '-' } as const;
const COLOUR = { create: 'green', update: 'yellow', delete: 'red' } as const;
const WORD = { create: 'create', update: 'update', delete: 'delete' } as const;

export function summary(changes: Change[], tense: 'plan' | 'done'): string {
  const n = countChanges(changes);
  const words = tense === 'plan' ? ['to create', 'to update', 'to delete'] : ['created', 'updated', 'deleted'];
  return `${n.create} ${words[0]}, ${n.update} ${words[1]}, ${n.delete} ${words[2]}`;
}

export function renderText(changes: Change[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(paint(`  ${SIGN[c.action]} ${c.kind} ${c.name}`, COLOUR[c.action]));
    const fields = c.action === 'delete' ? [] : c.fields;
    for (const f of fields) {
      lines.push(c.action === 'create'
        ? `      ${f.field}: ${f.secret ? '(secret)' : f.to}`
        : `      ${describeField(f)}`);
    }
  }
  return lines.join('\n');
}

export function renderMarkdown(project: string, revision: number, changes: Change[]): string {
  if (changes.length === 0) return `### Pakyas plan for \`${project}\`\n\nNo changes: the server matches \`pakyas.yaml\` (revision ${revision}).\n`;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = changes.map((c) => {
    const what = c.action === 'delete' ? '' : c.fields.map((f) => (c.action === 'create' ? `${f.field}: ${f.secret ? '(secret)' : f.to}` : describeField(f))).join('<br>');
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
  ].join('\n');
}
