// Text from a job (its output, a log line, a host name) is the job's bytes: shown in a terminal,
// never obeyed. A terminal acts on control characters and escape sequences, so output written to
// it raw could move the cursor, clear the screen, set the window title, hide text, or write a link
// that points somewhere other than it says (OSC 8). Here every such character is shown as a
// visible stand-in instead, so the sequence reads as text and does nothing.

/** Bidirectional controls reorder what is shown around them: "Trojan Source" text. */
const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

const hex = (c: number) => c.toString(16).toUpperCase().padStart(4, '0');

export interface NeutraliseOptions {
  /** Tabs as this many spaces (a layout that counts columns, like the dashboard); kept as tabs otherwise. */
  tabSpaces?: number;
  /** Line breaks shown as ␤ too, for a one-line field. */
  singleLine?: boolean;
}

/**
 * The text with every control character shown, not obeyed: C0 controls as their Unicode control
 * pictures (ESC as ␛, BEL as ␇, a lone CR as ␍), DEL as ␡, C1 controls and bidirectional controls
 * as <U+009B>; a lone surrogate (what invalid UTF-8 can leave) as U+FFFD. Line breaks (LF, and CRLF
 * as LF) and tabs stay, unless the options say otherwise.
 */
export function neutralise(text: string, options: NeutraliseOptions = {}): string {
  let out = '';
  const s = text.replace(/\r\n/g, '\n');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { out += s[i]! + s[i + 1]!; i++; continue; }
    }
    if (c >= 0xd800 && c <= 0xdfff) out += '\uFFFD';
    else if (c === 0x0a) out += options.singleLine ? '\u2424' : '\n';
    else if (c === 0x09) out += options.tabSpaces !== undefined ? ' '.repeat(options.tabSpaces) : '\t';
    else if (c < 0x20) out += String.fromCharCode(0x2400 + c);
    else if (c === 0x7f) out += '\u2421';
    else if ((c >= 0x80 && c <= 0x9f) || BIDI.has(c)) out += `<U+${hex(c)}>`;
    else out += s[i]!;
  }
  return out;
}

/** The last `count` lines of a text (a final line break ends the last line, not a new empty one). */
export function lastLines(text: string, count: number): { lines: string[]; earlier: number } {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length <= count) return { lines, earlier: 0 };
  return { lines: lines.slice(-count), earlier: lines.length - count };
}

/**
 * Output as a terminal shows it under a heading: each line indented and neutralised, the end only
 * (unless `count` is null), with a line that says what was left out and how to see it.
 */
export function outputBlock(text: string, o: { count: number | null; cutBytes?: number; indent?: string; more?: string }): string[] {
  const indent = o.indent ?? '  ';
  const { lines, earlier } = o.count === null ? lastLines(text, Number.MAX_SAFE_INTEGER) : lastLines(text, o.count);
  const notes: string[] = [];
  if (earlier > 0) notes.push(`${earlier} earlier line${earlier === 1 ? '' : 's'} not shown${o.more ? `; ${o.more}` : ''}`);
  if (o.cutBytes) notes.push(`its first ${o.cutBytes} bytes were not kept (a signal keeps the last 10 KB)`);
  return [
    ...(notes.length ? [`${indent}… ${notes.join('; ')}`] : []),
    ...lines.map((l) => `${indent}${neutralise(l)}`),
  ];
}
