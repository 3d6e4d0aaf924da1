// A readable job name from a crontab command: the script or program that does the work, with
// what says which work when one program does several things. Pure.
import { slugify } from './names.js';
import { shellText } from './crontab-parse.js';

/** Words that run another command: the name comes from what they run. */
const WRAPPERS = new Set(['sudo', 'nice', 'ionice', 'nohup', 'chronic', 'env', 'exec', 'time', 'timeout', 'flock', 'setlock', 'run-one', 'cronic', 'su', 'runuser', 'stdbuf', 'caffeinate', 'systemd-cat']);
/** Of these wrappers, the first word that is not an option is theirs, not the command's. */
const WRAPPER_ARG = new Set(['timeout', 'flock', 'setlock']);
const INTERPRETERS = /^(?:sh|bash|zsh|dash|ksh|python[0-9.]*|perl|ruby|node|php[0-9.]*|deno|bun|java)$/;
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'esac', '!', '{', '}', '(', ')']);
/** Tools that work on a path: the path says what the job is. */
const FILE_TOOLS = new Set(['find', 'rm', 'rsync', 'du', 'chown', 'chmod', 'logrotate']);
/** Tools whose first argument says which task runs. */
const RUNNERS = new Set(['artisan', 'manage.py', 'rake', 'make', 'npm', 'yarn', 'pnpm', 'drush', 'wp', 'console', 'bin/console', 'rails', 'mix', 'docker', 'kubectl', 'systemctl', 'certbot']);

export interface NamedCommand { name: string; words: string[] }

export function commandName(command: string): NamedCommand {
  const text = shellText(command);
  const runParts = /run-parts\s+(?:--?\S+\s+)*(\S+)/.exec(text);
  if (runParts) {
    // Debian's /etc/crontab: `cd / && run-parts --report /etc/cron.daily` → cron-daily.
    return { name: slugify(runParts[1]!.replace(/\/+$/, '').split('/').pop()!.replace(/\./g, '-')) || 'run-parts', words: [] };
  }
  // The part of the command that does the work: after `cd DIR &&` and similar preludes.
  const parts = text.split(/&&|\|\||;|\|/).map((p) => dropKeywords(words(p))).filter((w) => w.length > 0);
  const work = parts.find((w) => !['cd', 'test', '[', 'sleep', 'export', 'source', '.', 'set', 'umask', 'true'].includes(w[0]!)) ?? parts[0] ?? [];
  const w = skipWrappers(work);
  let program = w[0] ?? '';
  let args = w.slice(1);
  if (INTERPRETERS.test(base(program))) {
    const script = args.findIndex((a) => !a.startsWith('-'));
    if (script >= 0 && !['-c', '-e', '-m'].includes(args[script - 1] ?? '')) {
      program = args[script]!;
      args = args.slice(script + 1);
    } else if (args[0] === '-m' && args[1]) {
      program = args[1];
      args = args.slice(2);
    }
  }
  if (/^(?:curl|wget)$/.test(base(program))) {
    // curl https://example.com/cron/cleanup → curl-cleanup.
    const url = args.find((a) => /^https?:\/\//.test(a));
    const last = url ? new URL(url).pathname.split('/').filter(Boolean).pop() : undefined;
    return { name: slugify(`${base(program)}-${last ?? (url ? new URL(url).hostname : '')}`) || base(program), words: args };
  }
  const name = stem(base(program));
  // find /var/tmp/billing -delete → find-billing: the tool alone says little.
  const target = FILE_TOOLS.has(name) ? args.find((a) => a.startsWith('/')) : undefined;
  if (target) return { name: slugify(`${name}-${base(target)}`) || name, words: args };
  const subject = args.find((a) => !a.startsWith('-') && !a.startsWith('>') && !a.includes('='));
  if (RUNNERS.has(base(program)) && subject) return { name: slugify(`${name}-${subject === 'run' ? args[args.indexOf('run') + 1] ?? 'run' : subject}`) || 'job', words: args };
  return { name: slugify(name) || 'job', words: args };
}

/** A second word that tells two jobs with the same name apart: their first differing argument. */
export function distinguishing(words: string[], others: string[][]): string | null {
  // An argument first (backup.sh daily), else an option (backup.sh --full).
  for (const options of [false, true]) {
    for (const [i, w] of words.entries()) {
      if (!options && w.startsWith('-') && !w.includes('=')) continue;
      if (others.every((o) => o[i] !== w)) return slugify(stem(base(w.replace(/^-+/, '')))) || null;
    }
  }
  return null;
}

/** `then /usr/lib/php/sessionclean` is the command; `fi` is nothing. */
function dropKeywords(w: string[]): string[] {
  let i = 0;
  while (i < w.length && KEYWORDS.has(w[i]!)) i++;
  return w.slice(i);
}

function skipWrappers(w: string[]): string[] {
  let i = 0;
  while (i < w.length) {
    const word = w[i]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) { i++; continue; }
    if (!WRAPPERS.has(base(word))) break;
    const wrapper = base(word);
    i++;
    while (i < w.length && w[i]!.startsWith('-')) {
      // Options with a value: sudo -u USER, nice -n 10, ionice -c 3, su -c.
      if (/^-[ucngp]$/.test(w[i]!)) i++;
      i++;
    }
    if (WRAPPER_ARG.has(wrapper)) i++;
  }
  return w.slice(i);
}

/** Words of a shell command, quotes removed; good enough for naming, never for running. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const word = m[1] ?? m[2] ?? m[3] ?? '';
    if (/^[<>]|^\d?>/.test(word) || word === '{' || word === '}' || word === '(' || word === ')') continue;
    out.push(word.replace(/^[({]+|[)}]+$/g, ''));
  }
  return out.filter((x) => x !== '');
}

const base = (path: string) => path.replace(/\/+$/, '').split('/').pop() ?? '';
const stem = (file: string) => file.replace(/\.(?:sh|bash|py|rb|pl|php|js|mjs|ts|jar)$/, '');
