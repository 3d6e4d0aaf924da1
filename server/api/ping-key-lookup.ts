// GET /ping-key?job=JOB[&project=P] with `Authorization: Bearer TOKEN`: the ping key of the
// job's project, for `pakyas ping` and `pakyas monitor` on a host that has a token but not the key.
// Plain HTTP and JSON, not tRPC, so that the signal path stays small (test/startup). A token that
// may change the project gets it: the key adds signals, which a read-only token may not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../auth.js';
import type { ServerDeps } from '../deps.js';
import { resolveJobRef } from './job-ref.js';

const STATUS = { NOT_FOUND: 404, BAD_REQUEST: 400, FORBIDDEN: 403 } as const;

export async function handlePingKeyLookup(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const answer = (status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'GET') return answer(405, { error: 'use GET' });
  const principal = await authenticate(deps.db, req.headers.authorization);
  if (!principal) return answer(401, { error: 'a valid bearer token is required: set PAKYAS_TOKEN or pass --token' });
  const job = url.searchParams.get('job') ?? '';
  const project = url.searchParams.get('project') ?? undefined;
  if (job === '' || job.length > 64 || (project !== undefined && project.length > 64)) return answer(400, { error: 'give ?job=NAME (and ?project=NAME), each at most 64 characters' });
  const r = await resolveJobRef(deps.db, principal, { job, project });
  if (!r.ok) return answer(STATUS[r.code], { error: r.message });
  if (!principal.admin && principal.read_only) {
    return answer(403, { error: `this token is read-only for project ${r.job.project}; signals need the project's ping key (PAKYAS_PING_KEY) or a token that may change it` });
  }
  answer(200, { project: r.job.project, job: r.job.name, pingKey: r.job.ping_key });
}
