// A crontab as the Vixie/Debian cron daemon reads it, line by line. Pure.
//   blank and # lines; NAME=VALUE environment lines (name and value may be quoted); job lines:
//   five time fields or an @macro, then (in /etc/crontab and /etc/cron.d) the user, then the
//   command. In the command the first % not written \% ends it, and the rest is its stdin.

export type CrontabLine =
  | { kind: 'blank' | 'comment'; text: string }
  | { kind: 'env'; text: string; name: string; value: string }
  | { kind: 'job'; text: string; line: number; schedule: string; user: string | null; prefix: string; command: string; stdin: string | null }
  | { kind: 'reboot'; text: string; line: number }
  | { kind: 'invalid'; text: string; line: number; reason: string };

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const ENV = /^\s*("[^"]*"|'[^']*'|[^\s="']+)\s*=\s*(.*)$/;
const FIELDS = /^(\s*(?:\S+\s+){5})/;
const MACRO = /^(\s*(@\S+)\s+)/;
const USER = /^(\S+\s+)/;

export function parseCrontab(text: string, system: boolean): CrontabLine[] {
  return text.split('\n').map((raw, i) => parseLine(raw.replace(/\r$/, ''), i + 1, system));
}

export function parseLine(text: string, line: number, system: boolean): CrontabLine {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'blank', text };
  if (trimmed.startsWith('#')) return { kind: 'comment', text };
  // cron tries an environment setting first; a job line cannot look like one, as its first field
  // is a number, a *, a name list or an @macro, never NAME=.
  const env = ENV.exec(text);
  if (env && !/^\s*[\d*@]/.test(text)) return { kind: 'env', text, name: unquote(env[1]!), value: unquote(env[2]!.trimEnd()) };

  let prefix: string;
  let schedule: string;
  const macro = MACRO.exec(text);
  if (macro) {
    const name = macro[2]!.toLowerCase();
    if (name === '@reboot') return { kind: 'reboot', text, line };
    if (!MACROS.includes(name)) return { kind: 'invalid', text, line, reason: `${macro[2]} is not a cron macro (${[...MACROS, '@reboot'].join(', ')})` };
    prefix = macro[1]!;
    schedule = name;
  } else {
    const fields = FIELDS.exec(text);
    if (!fields) return { kind: 'invalid', text, line, reason: 'a job line has five time fields (or an @macro) and then the command' };
    prefix = fields[1]!;
    schedule = prefix.trim().split(/\s+/).join(' ');
  }
  let user: string | null = null;
  if (system) {
    const u = USER.exec(text.slice(prefix.length));
    if (!u) return { kind: 'invalid', text, line, reason: 'a line of /etc/crontab or /etc/cron.d names the user before the command' };
    user = u[1]!.trim();
    prefix += u[1]!;
  }
  const { command, stdin } = splitPercent(text.slice(prefix.length));
  if (command.trim() === '') return { kind: 'invalid', text, line, reason: 'the line has no command' };
  return { kind: 'job', text, line, schedule, user, prefix, command, stdin };
}

/**
 * The command and its stdin, split where cron splits them: at the first % that is not escaped.
 * Both stay as written (\% still \%): the rewritten line must mean what the original meant.
 */
export function splitPercent(rest: string): { command: string; stdin: string | null } {
  let escaped = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (escaped) { escaped = false; continue; }
    if (ch === '\\') escaped = true;
    else if (ch === '%') return { command: rest.slice(0, i), stdin: rest.slice(i) };
  }
  return { command: rest, stdin: null };
}

/** The command as the shell receives it: \% is %. */
export function shellText(command: string): string {
  return command.replace(/\\%/g, '%');
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0] ? s.slice(1, -1) : s;
}
