// What every command module exports, and the one error type commands throw for expected failures.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../schema/similar.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for `--help`. */
  help: string;
  /** The placeholder shown after a string option in help, like FILE. */
  value?: string;
}

export interface Command {
  name: string;
  summary: string;
  /** The line after `pakyas`, like `validate [-f FILE]`. */
  usage: string;
  /** More help text, shown after the options. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are taken (and how many at most). */
  positionals?: { max: number; names: string };
  /** Everything after `--` goes to the command untouched (monitor). */
  passthrough?: boolean;
  /**
   * Requests of its own may still wait on a server that never answers when it returns (the
   * dashboard's): the process ends shortly after, once the spool has been replayed.
   */
  endsProcess?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** The words after `--`, for commands that take a command line. */
  rest: string[];
}

/** An expected failure: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs | 'help' {
  const dash = argv.indexOf('--');
  const words = cmd.passthrough && dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = cmd.passthrough && dash >= 0 ? argv.slice(dash + 1) : [];
  const all = { ...cmd.options, ...COMMON };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: words, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(explainArgError(cmd, (err as Error).message, Object.keys(all)));
  }
  if (parsed.values.help) return 'help';
  const max = cmd.positionals?.max ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max).join(' ');
    throw new CliError(`pakyas ${cmd.name}: unexpected argument '${extra}'\nusage: pakyas ${cmd.usage}\nSee 'pakyas ${cmd.name} --help'.`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals, rest };
}

function explainArgError(cmd: Command, message: string, known: string[]): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  const hint = unknown ? closest(unknown.replace(/^-+/, ''), known) : null;
  const first = unknown
    ? `pakyas ${cmd.name}: unknown option '${unknown}'${hint ? `; did you mean '--${hint}'?` : ''}`
    : `pakyas ${cmd.name}: ${message.replace(/\. To specify a positional argument.*$/s, '')}`;
  return `${first}\nusage: pakyas ${cmd.usage}\nSee 'pakyas ${cmd.name} --help'.`;
}

export function commandHelp(cmd: Command): string {
  const lines = [`usage: pakyas ${cmd.usage}`, '', cmd.summary, ''];
  const opts = Object.entries({ ...cmd.options, ...COMMON });
  if (opts.length) {
    lines.push('options:');
    const left = opts.map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
    const width = Math.max(...left.map((l) => l.length)) + 2;
    opts.forEach(([, o], i) => lines.push(`  ${left[i]!.padEnd(width)}${o.help}`));
  }
  if (cmd.details) lines.push('', cmd.details.trim());
  return `${lines.join('\n')}\n`;
}

/** The JOB argument of a command that needs one. */
export function requiredJob(args: ParsedArgs, cmd: Command): string {
  const name = args.positionals[0];
  if (!name) throw new CliError(`pakyas ${cmd.name}: which job? usage: pakyas ${cmd.usage}`);
  return name;
}

/** A string option's value, or undefined. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values, in order. */
export function strs(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
