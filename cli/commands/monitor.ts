// `pakyas monitor JOB -- CMD…`: runs the job and reports it, and never harms it. The command starts
// at once (the start signal goes out beside it), its output is passed through untouched, its exit
// code is returned, and a finish that cannot be delivered waits in the spool.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../schema/duration.js';
import { isName, KEPT_OUTPUT_BYTES } from '../../schema/vocabulary.js';
import { formatElapsed } from '../../server/core/format.js';
import { CliError, flag, str, type Command } from '../command.js';
import { jobRef, SIGNAL_OPTIONS, signalTarget } from '../connection.js';
import { sendSignal, type SendResult, type Signal, type SignalTarget } from '../signals/http.js';
import { forgetKey, keyCacheId, lookupPingKey, type KeyRef } from '../signals/ping-key.js';
import { replaySpool, spool, spoolDir } from '../signals/spool.js';

const ATTEMPT_TIMEOUT_MS = 2000;
const RETRY_DELAYS_MS = [250, 750];

export const command: Command = {
  name: 'monitor',
  summary: 'Run a command and report it: start, output tail, finish with exit code and duration. Exits with the command\'s exit code.',
  usage: 'monitor JOB [--timeout DURATION] [--lock] [--no-output] [--quiet] -- CMD [ARGS…]',
  positionals: { max: 1, names: 'JOB' },
  passthrough: true,
  options: {
    timeout: { type: 'string', value: 'DURATION', help: 'kill the command after this long (SIGTERM, then SIGKILL 10s later) and report a failure; exit 124' },
    lock: { type: 'boolean', help: 'skip the run, and say so in the timeline, while the previous run of this job on this host is still going' },
    'no-output': { type: 'boolean', help: 'do not capture or send the command\'s output' },
    quiet: { type: 'boolean', short: 'q', help: 'no [pakyas] status lines on stderr' },
    ...SIGNAL_OPTIONS,
  },
  details: `The command's stdin, stdout and stderr pass through untouched. When stdout or stderr is a
terminal the command gets the terminal itself, and its output is not captured; otherwise the last
10 KB of combined output go with the finish signal. SIGINT, SIGTERM and SIGHUP are passed to the
command; a second Ctrl-C kills it. A command killed by signal N exits 128+N; one that cannot be
started exits 127 (not found) or 126 (not executable), reported as a failed run.
If the server is slow or down the command still runs at once; the finish is retried briefly, then
spooled on disk (${'$'}PAKYAS_SPOOL_DIR, default ~/.local/state/pakyas/spool) and sent, with the time it
really happened, by the next pakyas command that reaches the server.`,
  async run(args) {
    const jobText = args.positionals[0];
    if (!jobText || args.rest.length === 0) throw new CliError(`pakyas monitor: give a job and a command after --\nusage: pakyas ${command.usage}`);
    const ref = jobRef(jobText, undefined);
    const job = ref.job;
    if (!isName(job)) throw new CliError(`pakyas monitor: '${job}' is not a job name; use lowercase letters, digits, '-' and '_'`);
    const timeoutText = str(args, 'timeout');
    const timeoutS = timeoutText === undefined ? null : parseDuration(timeoutText);
    if (timeoutS === null && timeoutText !== undefined) throw new CliError(`pakyas monitor: --timeout '${timeoutText}' is not a duration; write it like 30s, 10m or 1h`);
    const { token, ...target } = signalTarget(args);
    return monitor({ job, ref, token, argv: args.rest, target, timeoutMs: timeoutS === null ? null : timeoutS * 1000, lock: flag(args, 'lock'), capture: !flag(args, 'no-output'), quiet: flag(args, 'quiet') });
  },
};

interface MonitorOptions {
  job: string;
  /** JOB or PROJECT/JOB as given: what the ping key is asked for when only a token is set. */
  ref: KeyRef;
  token: string | null;
  argv: string[];
  target: SignalTarget;
  timeoutMs: number | null;
  lock: boolean;
  capture: boolean;
  quiet: boolean;
}

async function monitor(o: MonitorOptions): Promise<number> {
  const say = (line: string) => { if (!o.quiet) process.stderr.write(`[pakyas] ${line}\n`); };
  const warn = (line: string) => process.stderr.write(`[pakyas] warning: ${line}\n`);
  const host = hostname();
  const rid = randomUUID();
  if (!o.target.pingKey && !o.token) warn('no ping key (PAKYAS_PING_KEY or --ping-key) and no token (PAKYAS_TOKEN): the run is not reported');
  const report = Boolean(o.target.pingKey || o.token);
  // The ping key: given, or asked of the server with the token (from the cache at once), beside
  // the command so that it never waits.
  const keyed = report ? resolveTarget(o) : null;

  let release: (() => void) | null = null;
  if (o.lock) {
    const held = takeLock(o.target, o.job);
    if (typeof held === 'number') {
      say(`skipped: the previous run (pid ${held}) is still going`);
      const k = await keyed;
      if (k?.ok) await deliver(k.target, { job: o.job, kind: 'log', host, body: `Run skipped on ${host}: the previous run (pid ${held}) is still going (--lock)` }, warn);
      return 0;
    }
    release = held;
  }

  const started = Date.now();
  // The command starts now; the start signal goes out beside it and never delays it.
  let startCancelled = false;
  const startSent: Promise<SendResult | null> = keyed ? keyed.then((k) => (k.ok
    ? retrying(() => sendSignal(k.target, { job: o.job, kind: 'start', rid, host }, ATTEMPT_TIMEOUT_MS), () => startCancelled)
      .then((r) => { if (r.ok) say('Start signal sent'); return r; })
    : { ok: false as const, status: null, text: k.message, retryable: k.retryable })) : Promise.resolve(null);

  // Kept of the combined output: the end, which is what explains a failure, as much as the server keeps.
  const tail = new Tail(KEPT_OUTPUT_BYTES);
  // A terminal stays the command's own (colours, line buffering, prompts); output is captured
  // only where nobody is watching it live: cron, systemd, CI, containers.
  const capture = o.capture && !process.stdout.isTTY && !process.stderr.isTTY;
  const outcome = await runCommand(o.argv, capture ? tail : null, o.timeoutMs, say);
  const finished = Date.now();
  release?.();
  startCancelled = true;
  const startResult = await startSent;

  if (!keyed) return outcome.exitCode;
  const k = await keyed;
  const note = outcome.note ? `\n[pakyas] ${outcome.note}\n` : '';
  const body = (capture ? tail.text() : '') + note;
  const finish: Signal = {
    job: o.job, kind: outcome.exitCode === 0 ? 'success' : 'fail', exitCode: outcome.exitCode, rid, host,
    durationMs: finished - started, body: body || null, at: finished,
  };
  // Sent live without `at`: the server's clock decides, unless it had to be spooled.
  const live = { ...finish, at: null };
  // When the start could not get through, the server is down or hanging: one try, then the spool,
  // so that the wrapper adds seconds, not tens of seconds.
  const unreachable = startResult !== null && !startResult.ok && startResult.retryable;
  if (!k.ok) {
    if (!k.retryable) {
      warn(`${k.message}; the run is not reported`);
      return outcome.exitCode;
    }
    // No key yet and no server to ask: spooled under the key's cache entry, sent once a later
    // run with this token has the key.
    try {
      await spool({ server: o.target.server, pingKey: '' }, finish, spoolDir(), k.cacheId);
      warn(`${k.message}; the finish signal is spooled in ${spoolDir()} and will be sent once a later pakyas monitor or ping with this token reaches the server`);
    } catch (err) {
      warn(`${k.message}, and could not spool the finish signal (${(err as Error).message})`);
    }
    return outcome.exitCode;
  }
  const r = await retrying(() => sendSignal(k.target, live, ATTEMPT_TIMEOUT_MS), () => unreachable);
  if (r.ok) {
    say(`Finish signal sent (exit: ${outcome.exitCode}, ${formatElapsed(finish.durationMs!)})`);
    const replayed = await replaySpool(2000).catch(() => null);
    if (replayed?.sent) say(`Sent ${replayed.sent} spooled signal${replayed.sent === 1 ? '' : 's'} from earlier runs`);
    for (const d of replayed?.dropped ?? []) warn(`dropped a spooled signal: ${d}`);
  } else if (r.retryable) {
    try {
      await spool(k.target, finish);
      warn(`could not reach ${o.target.server} (${r.text}); the finish signal is spooled in ${spoolDir()} and will be sent by the next pakyas command that reaches the server`);
    } catch (err) {
      warn(`could not reach ${o.target.server} (${r.text}), and could not spool the finish signal (${(err as Error).message})`);
    }
  } else {
    warn(`the server refused the finish signal (${r.status}: ${r.text.split('\n')[0]})`);
    // A cached key the server no longer knows: the next run asks for it again.
    if (r.status === 404 && k.cacheId) await forgetKey(k.cacheId);
  }
  if (startResult && !startResult.ok && !startResult.retryable) warn(`the server refused the start signal (${startResult.status}: ${startResult.text.split('\n')[0]})`);
  return outcome.exitCode;
}

type Keyed = { ok: true; target: SignalTarget; cacheId: string | null } | { ok: false; message: string; retryable: boolean; cacheId: string };

async function resolveTarget(o: MonitorOptions): Promise<Keyed> {
  if (o.target.pingKey) return { ok: true, target: o.target, cacheId: null };
  const cacheId = keyCacheId(o.target.server, o.token!, o.ref);
  const k = await lookupPingKey(o.target.server, o.token!, o.ref, ATTEMPT_TIMEOUT_MS);
  return k.ok ? { ok: true, target: { server: o.target.server, pingKey: k.pingKey }, cacheId } : { ...k, cacheId };
}

/** A few quick attempts; a 4xx answer is final at once. */
async function retrying(attempt: () => Promise<SendResult>, cancelled: () => boolean): Promise<SendResult> {
  let r = await attempt();
  for (const delay of RETRY_DELAYS_MS) {
    if (r.ok || !r.retryable || cancelled()) return r;
    await new Promise((res) => setTimeout(res, delay));
    if (cancelled()) return r;
    r = await attempt();
  }
  return r;
}

async function deliver(target: SignalTarget, signal: Signal, warn: (l: string) => void): Promise<void> {
  const r = await retrying(() => sendSignal(target, signal, ATTEMPT_TIMEOUT_MS), () => false);
  if (!r.ok && r.retryable) await spool(target, { ...signal, at: Date.now() }).catch(() => warn('could not spool a signal'));
}

interface Outcome { exitCode: number; note: string | null }

function runCommand(argv: string[], tail: Tail | null, timeoutMs: number | null, say: (l: string) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const [file, ...rest] = argv as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(file, rest, { stdio: ['inherit', tail ? 'pipe' : 'inherit', tail ? 'pipe' : 'inherit'] });
    } catch (err) {
      resolve(spawnFailure(file, err as NodeJS.ErrnoException));
      return;
    }
    if (tail) {
      // Each chunk is written on as it comes, byte for byte; only a copy goes to the tail.
      child.stdout!.on('data', (d: Buffer) => { process.stdout.write(d); tail.push(d); });
      child.stderr!.on('data', (d: Buffer) => { process.stderr.write(d); tail.push(d); });
    }
    let timedOut = false;
    let killTimer: NodeJS.Timeout | null = null;
    const timer = timeoutMs === null ? null : setTimeout(() => {
      timedOut = true;
      say(`timed out after ${formatElapsed(timeoutMs)}; stopping the command`);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    }, timeoutMs);

    let interrupts = 0;
    const forward = (signal: NodeJS.Signals) => () => {
      if (signal === 'SIGINT') {
        interrupts++;
        if (interrupts >= 2) { child.kill('SIGKILL'); return; }
        // A Ctrl-C at a terminal reaches the whole foreground group, the command included.
        if (process.stdin.isTTY) return;
      }
      child.kill(signal);
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);

    let failure: Outcome | null = null;
    child.once('error', (err: NodeJS.ErrnoException) => { failure = spawnFailure(file, err); });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      for (const [s, h] of handlers) process.off(s, h);
      if (failure) return resolve(failure);
      if (timedOut) return resolve({ exitCode: 124, note: `timed out after ${formatElapsed(timeoutMs!)} (--timeout) and was stopped` });
      if (signal) {
        const n = constants.signals[signal] ?? 0;
        return resolve({ exitCode: 128 + n, note: `the command was killed by ${signal}` });
      }
      resolve({ exitCode: code ?? 1, note: null });
    });
  });
}

function spawnFailure(file: string, err: NodeJS.ErrnoException): Outcome {
  const notFound = err.code === 'ENOENT';
  const message = notFound ? `${file}: command not found` : err.code === 'EACCES' ? `${file}: permission denied (not executable)` : `${file}: cannot be started (${err.code ?? err.message})`;
  process.stderr.write(`pakyas: ${message}\n`);
  return { exitCode: notFound ? 127 : 126, note: message };
}

/** The last `max` bytes of everything pushed: a fixed cost however much the command prints. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  push(d: Buffer): void {
    this.chunks.push(d);
    this.size += d.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.max);
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString('utf8');
  }
}

/** A lock file per job and host; a lock whose process is gone is taken over. Returns the holder's pid when held. */
function takeLock(target: SignalTarget, job: string): (() => void) | number {
  const dir = join(spoolDir(), '..', 'locks');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = Buffer.from(`${target.server}|${target.pingKey}|${job}`).toString('base64url').slice(-80);
  const path = join(dir, `${job}-${key}.lock`);
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => { try { unlinkSync(path); } catch { /* gone already */ } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return () => {};
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && alive(pid)) return pid;
      try { unlinkSync(path); } catch { /* raced with another taker */ }
    }
  }
  return () => {};
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
