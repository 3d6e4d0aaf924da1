// Terminal output: colour only for a TTY without NO_COLOR, and tables that line up with it on.

export function colourWanted(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, on = colourWanted()): string {
  return on ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

const ANSI = /\u001b\[[0-9;]*m/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Rows of cells, left-aligned, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell)); });
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell)))).join('  ').trimEnd())
    .join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
