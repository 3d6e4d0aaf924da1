import { hostname } from 'node:os';
import { closest } from '../../schema/similar.js';
import { UUID_PATTERN } from '../../schema/vocabulary.js';
import { CliError, str, type Command } from '../command.js';
import { jobRef, SIGNAL_OPTIONS, signalTarget } from '../connection.js';
import { sendSignal, type Signal } from '../signals/http.js';
import { lookupPingKey } from '../signals/ping-key.js';

const KINDS = ['start', 'success', 'fail', 'log'] as const;

export const command: Command = {
  name: 'ping',
  summary: 'Send one signal by hand: start, success, fail or log.',
  usage: 'ping JOB start|success|fail|log [--exit-code N] [--rid UUID] [-m MESSAGE]',
  positionals: { max: 2, names: 'JOB KIND' },
  options: {
    'exit-code': { type: 'string', value: 'N', help: 'the exit code, for fail (0–255)' },
    rid: { type: 'string', value: 'UUID', help: 'the run id that ties a finish to its start' },
    message: { type: 'string', short: 'm', value: 'TEXT', help: 'a message: the body of the signal (for log, the timeline line)' },
    ...SIGNAL_OPTIONS,
  },
  details: `Exits 0 when the server stored the signal, 1 otherwise. Same as curl -X POST $PAKYAS_SERVER/ping/$KEY/JOB[/start|/fail|/log].\nWithout a ping key, a token that may change the project (PAKYAS_TOKEN) is enough: the key is asked of\nthe server once and cached beside the spool. The message shows under the signal in pakyas timeline\n(and, for a finish, in pakyas status JOB).`,
  async run(args) {
    const [jobText, kindText] = args.positionals;
    if (!jobText || !kindText) throw new CliError(`pakyas ping: give a job and a signal; usage: pakyas ${command.usage}`);
    const kind = KINDS.find((k) => k === kindText);
    if (!kind) {
      const near = closest(kindText, KINDS);
      throw new CliError(`pakyas ping: '${kindText}' is not a signal;${near ? ` did you mean '${near}'?` : ''} use start, success, fail or log`);
    }
    const ref = jobRef(jobText, undefined);
    const job = ref.job;
    const { server, pingKey, token } = signalTarget(args);
    if (!pingKey && !token) throw new CliError('pakyas ping: no ping key; set PAKYAS_PING_KEY or pass --ping-key (`pakyas apply` prints it), or give a token (PAKYAS_TOKEN) that may change the project');
    const codeText = str(args, 'exit-code');
    if (codeText !== undefined && (!/^\d{1,3}$/.test(codeText) || Number(codeText) > 255)) throw new CliError(`pakyas ping: --exit-code must be a whole number from 0 to 255, not '${codeText}'`);
    const rid = str(args, 'rid');
    if (rid !== undefined && !UUID_PATTERN.test(rid)) throw new CliError(`pakyas ping: --rid must be a UUID, not '${rid}'`);
    const exitCode = codeText === undefined ? null : Number(codeText);
    const signal: Signal = {
      job, kind: kind === 'success' && exitCode !== null && exitCode !== 0 ? 'fail' : kind,
      exitCode, rid: rid ?? null, host: hostname(), body: str(args, 'message') ?? null,
    };
    const key = async (fresh: boolean) => {
      if (pingKey) return { pingKey, cached: false };
      const k = await lookupPingKey(server, token!, ref, 10_000, fresh);
      if (!k.ok) throw new CliError(`pakyas ping: ${k.message}`);
      return k;
    };
    let k = await key(false);
    let r = await sendSignal({ server, pingKey: k.pingKey }, signal, 10_000);
    // A cached key the server no longer knows (the project was deleted and made again): ask once more.
    if (!r.ok && r.status === 404 && k.cached) {
      k = await key(true);
      r = await sendSignal({ server, pingKey: k.pingKey }, signal, 10_000);
    }
    if (!r.ok) {
      throw new CliError(r.status === null
        ? `pakyas ping: cannot reach the Pakyas server at ${server} (${r.text})`
        : `pakyas ping: the server answered ${r.status}: ${r.text}`);
    }
    process.stdout.write(`${kind} signal for ${job} sent: ${r.text}\n`);
    return 0;
  },
};
