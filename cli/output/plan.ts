// A plan for people: text for terminals, Markdown for a pull-request comment.
import type { Change } from '../../server/core/plan.js';
import { countChanges, describeField } from '../../server/core/plan.js';
import { describeEffect, jobsText, type RoutingEffect } from '../../server/core/routing.js';
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

/** Who will hear what differently, one line per distinct effect; empty when nobody does. */
export function renderImpactText(impact: RoutingEffect[]): string {
  if (impact.length === 0) return '';
  return `${paint('Who hears what:', 'bold')}\n${impact.map((e) => `  ${describeEffect(e)}`).join('\n')}\n`;
}

/**
 * A Markdown table cell: what GitHub would read as a column break, a line break, code or HTML is
 * escaped, so a name with `|` or a backtick stays in its cell, as text.
 */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, '\\`').replace(/[<>]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A name as code in a table cell; in a table GitHub reads `\|` as a pipe even inside code. */
function mdCode(s: string): string {
  return s.includes('`') ? mdCell(s) : `\`${s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

function impactMarkdown(impact: RoutingEffect[]): string[] {
  if (impact.length === 0) return [];
  const list = (names: string[]) => (names.length ? names.map(mdCode).join(', ') : '—');
  return [
    '#### Who hears what',
    '',
    '| jobs | transition | start hearing it | stop hearing it | still hear it |',
    '|---|---|---|---|---|',
    ...impact.map((e) => `| ${mdCell(jobsText(e.jobs, 5))} | ${e.transition} | ${list(e.starts)} | ${list(e.stops)} | ${list(e.still)} |`),
    '',
  ];
}

export function renderMarkdown(plan: { project: string; revision: number; changes: Change[]; secretsCompared: boolean; impact?: RoutingEffect[] }): string {
  const { project, revision, changes } = plan;
  const note = plan.secretsCompared ? [] : [`_${SECRETS_NOT_COMPARED}_`, ''];
  if (changes.length === 0) return [`### Pakyas plan for \`${project}\``, '', `No changes: the server matches \`pakyas.yaml\` (revision ${revision}).`, '', ...note].join('\n');
  const rows = changes.map((c) => {
    const what = c.action === 'delete' ? '' : c.fields.map(fieldLine(c)).map(mdCell).join('<br>');
    return `| ${SIGN[c.action]} ${WORD[c.action]} | ${c.kind} | ${mdCode(c.name)} | ${what} |`;
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
    ...impactMarkdown(plan.impact ?? []),
    ...note,
  ].join('\n');
}
