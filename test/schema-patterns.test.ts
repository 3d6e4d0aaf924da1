// The schema's patterns are the editor's copy of checks that `pakyas validate` makes exactly
// (schema/cron.ts, schema/channels.ts, schema/variables.ts). A copy may be looser than its
// check, never stricter: an editor must not flag a file that validate accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatError } from '../schema/errors.js';
import { loadConfig } from '../schema/load.js';
import { schema } from '../schema/validator.js';
import { cronError } from '../schema/cron.js';

type Node = Record<string, unknown>;

function patterns(node: unknown, path = '#'): Array<{ path: string; node: Node }> {
  if (!node || typeof node !== 'object') return [];
  const n = node as Node;
  const here = typeof n.pattern === 'string' ? [{ path, node: n }] : [];
  return [...here, ...Object.entries(n).flatMap(([k, v]) => patterns(v, `${path}/${k}`))];
}

const cron = new RegExp(schema.$defs.cron.pattern, 'u');

describe("the schema's patterns", () => {
  it('each say in words what they want, so that no editor shows a regex', () => {
    const silent = patterns(schema).filter(({ node }) => typeof node.patternErrorMessage !== 'string').map(({ path }) => path);
    expect(silent).toEqual([]);
  });

  it('each take linear time: a mebibyte of text built to make a regex backtrack is judged at once', () => {
    const n = 1024 * 1024;
    const texts = [`${'0'.repeat(n)}x`, `${' '.repeat(n)}?`, `smtp://${' '.repeat(n)}?`, `\${${'a'.repeat(n)}`, '$'.repeat(n), `${'1 '.repeat(n / 2)}x`, `${'*/1,'.repeat(n / 4)}x`, '${a'.repeat(n / 3), `http:${'$$'.repeat(n / 2)}$`];
    for (const { path, node } of patterns(schema)) {
      const re = new RegExp(node.pattern as string, 'u');
      const started = performance.now();
      for (const text of texts) re.test(text);
      expect(performance.now() - started, path).toBeLessThan(2_000);
    }
  });

  it('read a cron expression field by field: the pattern is these parts, joined', () => {
    const step = '0*[1-9][0-9]*';
    const item = (value: string) => `(?:\\*(?:/${step})?|(?:${value})(?:-(?:${value})(?:/${step})?)?)`;
    const field = (value: string) => `${item(value)}(?:,${item(value)})*`;
    const name = '[A-Za-z]{3}'; // jan–dec, sun–sat in any case; which three letters, validate says
    const fields = [
      '0*[1-5]?[0-9]', // minute 0–59 (leading zeros as cron reads them: 00, 05)
      '0*(?:1?[0-9]|2[0-3])', // hour 0–23
      '0*(?:[1-9]|[12][0-9]|3[01])', // day of month 1–31
      `0*(?:[1-9]|1[0-2])|${name}`, // month 1–12
      `0*[0-7]|${name}`, // day of week 0–7
    ];
    // In any case, as validate reads them: [Dd][Aa][Ii][Ll][Yy] for daily.
    const anyCase = (word: string) => [...word].map((c) => `[${c.toUpperCase()}${c}]`).join('');
    const macros = `@(?:${['yearly', 'annually', 'monthly', 'weekly', 'daily', 'midnight', 'hourly'].map(anyCase).join('|')})`;
    expect(schema.$defs.cron.pattern).toBe(`^\\s*(?:${macros}|${fields.map(field).join('\\s+')})\\s*$`);
  });
});

describe('the editor and validate on cron expressions', () => {
  // Mostly what cron reads, field by field, with a few things it does not read mixed in.
  const zeros = fc.constantFrom('', '', '', '0', '00');
  const inRange = (min: number, max: number, names: string[] = []) => fc.oneof(
    { weight: 6, arbitrary: fc.tuple(zeros, fc.integer({ min, max })).map(([z, n]) => `${z}${n}`) },
    { weight: names.length ? 2 : 0, arbitrary: fc.constantFrom(...(names.length ? names : ['-'])) },
    { weight: 1, arbitrary: fc.constantFrom(String(max + 1), String(min - 1), 'L', '5L', '?', 'W', '15W', '1#2', 'foo', '') },
  );
  const step = fc.oneof(fc.integer({ min: 1, max: 30 }).map(String), fc.constantFrom('0', '01', '99'));
  const item = (v: fc.Arbitrary<string>) => fc.oneof(
    { weight: 2, arbitrary: fc.constant('*') },
    { weight: 4, arbitrary: v },
    { weight: 2, arbitrary: fc.tuple(v, v).map(([a, b]) => `${a}-${b}`) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constant('*'), fc.tuple(v, v).map(([a, b]) => `${a}-${b}`), v), step).map(([r, s]) => `${r}/${s}`) },
  );
  const field = (v: fc.Arbitrary<string>) => fc.array(item(v), { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
  const fields = fc.tuple(
    field(inRange(0, 59)),
    field(inRange(0, 23)),
    field(inRange(1, 31)),
    field(inRange(1, 12, ['jan', 'Feb', 'MAR', 'dec'])),
    field(inRange(0, 7, ['sun', 'Mon', 'FRI', 'sat'])),
  );
  const space = fc.constantFrom(' ', '  ', '\t');
  const expression = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fields, space, fc.constantFrom('', ' '), fc.constantFrom('', '', '', ' *')).map(([f, sep, pad, extra]) => `${pad}${f.join(sep)}${extra}${pad}`) },
    { weight: 1, arbitrary: fc.constantFrom('@daily', '@hourly', '@weekly', '@monthly', '@yearly', '@annually', '@midnight', '@DAILY', '@Hourly', '@reboot', '@fortnightly', ' @daily ') },
  );

  it('never flags an expression validate accepts', () => {
    let accepted = 0;
    fc.assert(fc.property(expression, (expr) => {
      if (cronError(expr) !== null) return;
      accepted++;
      expect(cron.test(expr), expr).toBe(true);
    }), { numRuns: 3000 });
    expect(accepted).toBeGreaterThan(300); // the generator mostly writes what cron reads
  });

  // What validate refuses, and whether the editor's pattern can already tell.
  const refused: Array<[what: string, expr: string, editorFlags: boolean]> = [
    ['a minute of 61', '61 * * * *', true],
    ['an hour of 24', '0 24 * * *', true],
    ['day 0 of a month', '0 3 0 * *', true],
    ['month 13', '0 3 1 13 *', true],
    ['weekday 8', '0 3 * * 8', true],
    ['four fields', '0 3 * *', true],
    ['six fields (seconds)', '0 0 3 * * *', true],
    ["Quartz's L", '0 3 L * *', true],
    ["Quartz's ?", '0 3 ? * 1', true],
    ["Quartz's #", '0 3 * * 1#2', true],
    ["Quartz's W", '0 3 15W * *', true],
    ['a step after a single value', '5/10 * * * *', true],
    ['a step of 0', '*/0 * * * *', true],
    ['an empty list item', '1,,2 * * * *', true],
    ['an unknown macro', '@fortnightly', true],
    ['@reboot, which is no schedule', '@reboot', true],
    ['a range that runs backwards', '0 3 * * 5-1', false],
    ['an unknown month name', '0 3 1 foo *', false],
    ['a step beyond its field', '*/99 * * * *', false],
    ['a date that never comes', '0 0 30 2 *', false],
  ];
  for (const [what, expr, editorFlags] of refused) {
    it(`validate flags ${what}, and the editor ${editorFlags ? 'does too' : 'leaves it to validate'}`, () => {
      expect(cronError(expr)).not.toBeNull();
      expect(cron.test(expr)).toBe(!editorFlags);
    });
  }
});

describe('the editor and validate on settings and text', () => {
  // Text that matters to the patterns: schemes in any case, $ and braces, URL delimiters.
  const scheme = fc.constantFrom('', 'http://', 'https://', 'HTTPS://', 'Http:', 'http:', ' https://', 'smtp://', 'smtps://', 'SMTP://', 'smtp:', 'ftp://', '${PAKYAS_SECRET_X}');
  const body = fc.array(fc.constantFrom('h', 'x', 'S', ':', '/', '//', '$', '$$', '${', '}', '${PAKYAS_SECRET_X}', '${bad-name}', '@', '?', '#', '.', ' ', '-', '_', '+', '5'), { maxLength: 8 }).map((parts) => parts.join(''));
  const text = fc.tuple(scheme, body).map(([s, b]) => s + b);
  const zone = fc.oneof(fc.constantFrom(...Intl.supportedValuesOf('timeZone'), 'utc', 'europe/berlin'), text);

  const file = (v: string[]) => {
    const q = (s: string) => JSON.stringify(s);
    return [
      'version: 1', 'project: p',
      `defaults:\n  timezone: ${q(v[0]!)}`,
      'channels:',
      `  hook:\n    type: webhook\n    url: ${q(v[1]!)}\n    secret: ${q(v[2]!)}`,
      `  chat:\n    type: slack\n    webhook_url: ${q(v[3]!)}\n    channel: ${q(v[4]!)}`,
      `  pd:\n    type: pagerduty\n    routing_key: ${q(v[5]!)}\n    events_url: ${q(v[6]!)}`,
      `  mail:\n    type: email\n    to: [${q(v[7]!)}]\n    from: ${q(v[8]!)}\n    smtp_url: ${q(v[9]!)}`,
      `routes:\n  - match: { job: ${q(v[10]!)} }\n    notify: [hook]`,
      `jobs:\n  j:\n    every: 1h\n    description: ${q(v[11]!)}`,
    ].join('\n');
  };

  it('never has the schema refuse a value that validate has nothing to say about', () => {
    // When the schema refuses a value by a pattern, validate's own checks say why; were a pattern
    // stricter than its check, validate would fall back to the schema's sentence.
    fc.assert(fc.property(zone, fc.array(text, { minLength: 11, maxLength: 11 }), (tz, values) => {
      const result = loadConfig(file([tz, ...values]));
      const fallbacks = result.ok ? [] : result.errors.filter((e) => e.message.includes('does not have the expected form')).map(formatError);
      expect(fallbacks).toEqual([]);
    }), { numRuns: 1500 });
  });

  it('says what is wrong with a ${…} in an email address, not that it is no address', () => {
    const result = loadConfig('version: 1\nproject: p\nchannels:\n  m:\n    type: email\n    to: [ops@example.com, "${PAKYAS_SECRET_TEAM}"]\n');
    expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
      "pakyas.yaml:6:27: channels.m.to[1]: ${PAKYAS_SECRET_TEAM} is not read here: ${…} variables are read only in secret settings, which for an email channel is smtp_url; write the value itself here",
    ]);
  });
});
