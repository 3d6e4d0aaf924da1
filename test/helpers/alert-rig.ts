// A server with the receivers its alerts go to: a real HTTP receiver (webhook, Slack, Discord,
// PagerDuty) and a real SMTP peer, started before a file's tests and stopped after them.
import { afterAll, beforeAll } from 'vitest';
import type { RunningServer, ServerOptions } from '../../server/main.js';
import { startReceiver, type Receiver } from './receiver.js';
import { cleanUp, startTestServer, type Backend } from './server.js';
import { startSmtp } from './smtp.js';

export type Smtp = Awaited<ReturnType<typeof startSmtp>>;
export interface AlertRig { server: RunningServer; receiver: Receiver; smtp: Smtp }

/** The rig's parts are there once the file's beforeAll has run; `options` may point the server at the SMTP peer. */
export function useAlertRig(backend: Backend, options: (smtp: Smtp) => Partial<ServerOptions> = () => ({})): AlertRig {
  const rig = {} as AlertRig;
  beforeAll(async () => {
    rig.receiver = await startReceiver();
    rig.smtp = await startSmtp();
    rig.server = await startTestServer(backend, options(rig.smtp));
  });
  afterAll(async () => { await rig.server?.close(); await rig.receiver?.close(); await rig.smtp?.close(); await cleanUp(); });
  return rig;
}
