// Which reader a /ping/… request needs: Healthchecks' (a job UUID where the ping key would be),
// Cronitor's (its telemetry parameters), or none (Pakyas's own, api/ping.ts). Sentry's shape has
// its own paths, /api/… (sentry.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerDeps } from '../../deps.js';
import { UUID_PATTERN } from '../../core/foreign-ids.js';
import { CRONITOR_ONLY, handleCronitorPing } from './cronitor.js';
import { handleHealthchecksPing } from './healthchecks.js';

type Handler = (deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function otherShape(url: URL): Handler | null {
  const first = url.pathname.split('/')[2] ?? '';
  // A ping key is 32 base64url characters: never a dashed UUID.
  if (UUID_PATTERN.test(first)) return handleHealthchecksPing;
  for (const name of url.searchParams.keys()) if (CRONITOR_ONLY.has(name)) return handleCronitorPing;
  return null;
}
