// Config as code: plan (what would change) and apply (make it so, in one transaction).
import { createHash, randomBytes } from 'node:crypto';
import { displaySetting, type JobSpec, type ProjectConfig } from '../schema/types.js';
import { describeField, planChanges, type Change, type PlanOptions } from './core/plan.js';
import { routingImpact, type RoutingEffect } from './core/routing.js';
import { emptyState, type JobEvent } from './core/state.js';
import { step } from './core/status.js';
import { deleteChannel, loadChannels, loadJobSpecs, loadRoutes, replaceRoutes, upsertChannel } from './db/config.js';
import { deleteJob, insertJobs, lockJobsByName, type JobRow } from './db/jobs.js';
import { notifyChange } from './db/notify.js';
import { transact, type Queryable } from './db/port.js';
import { findProjectByName, insertProject, lockProjectName, setProjectRevision } from './db/projects.js';
import { insertRevision, type RevisionSource } from './db/revisions.js';
import { persistSteps, type Judged, type JudgeDeps } from './judge.js';
import { claimDeclaredUuids, listJobUuids } from './db/job-uuids.js';

export interface PlanResult {
  project: string;
  exists: boolean;
  /** The project's revision the plan was computed against (0: none yet). */
  revision: number;
  changes: Change[];
  /** False when the plan was made for a read-only token: hidden values were not compared (plan.ts). */
  secretsCompared: boolean;
  /** Who starts or stops hearing what: the routing's effect, for a reviewer (core/routing.ts). */
  impact: RoutingEffect[];
}

export interface ApplyResult extends PlanResult {
  changed: boolean;
  pingKey: string;
  /** The UUIDs (for /ping/{uuid}) of the jobs this apply created or gave a declared UUID. */
  jobUuids: Array<{ job: string; uuid: string }>;
  /** Reads job states for badges (server/badges.ts), nothing else. */
  badgeKey: string;
}

export class StalePlanError extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`the plan was made against revision ${expected}, but the project is at revision ${actual} now; run plan again`);
  }
}

export function newPingKey(): string {
  // No '-': a ping key is also a Sentry DSN's public key (api/shapes/sentry.ts), which Sentry's SDKs
  // read as letters, digits and '_' only. 32 characters of 63 still carry over 190 bits.
  let key: string;
  do key = randomBytes(24).toString('base64url'); while (key.includes('-'));
  return key;
}

/** A fingerprint of the config; secrets (all that displaySetting hides) enter it only as their own hashes. */
export function contentHash(config: ProjectConfig): string {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const safe = {
    ...config,
    channels: config.channels.map((c) => ({
      ...c,
      settings: Object.fromEntries(Object.entries(c.settings).map(([k, v]) => [k, displaySetting(c.type, k, String(v)).hidden ? `sha256:${sha(String(v))}` : v])),
    })),
  };
  return sha(JSON.stringify(safe));
}

async function currentConfig(db: Queryable, projectId: number, name: string): Promise<ProjectConfig> {
  return { project: name, jobs: await loadJobSpecs(db, projectId), channels: await loadChannels(db, projectId), routes: await loadRoutes(db, projectId) };
}

export async function planProject(db: Queryable, desired: ProjectConfig, options: PlanOptions): Promise<PlanResult> {
  const project = await findProjectByName(db, desired.project);
  const current = project ? await currentConfig(db, project.id, project.name) : null;
  return {
    project: desired.project, exists: project !== null, revision: project?.revision ?? 0,
    changes: planChanges(desired, current, options), secretsCompared: options.compareSecrets, impact: routingImpact(desired, current),
  };
}

export async function applyProject(
  deps: JudgeDeps, desired: ProjectConfig, source: RevisionSource, expectedRevision: number | null, now = Date.now(),
): Promise<ApplyResult> {
  return transact(deps.db, async (tx) => {
    await lockProjectName(tx, desired.project);
    let project = await findProjectByName(tx, desired.project);
    const actual = project?.revision ?? 0;
    if (expectedRevision !== null && expectedRevision !== actual) throw new StalePlanError(expectedRevision, actual);
    const current = project ? await currentConfig(tx, project.id, project.name) : null;
    const changes = planChanges(desired, current);
    if (project && changes.length === 0) {
      return { project: project.name, exists: true, revision: project.revision, changes, secretsCompared: true, impact: [], changed: false, pingKey: project.ping_key, jobUuids: [], badgeKey: project.badge_key };
    }
    const isNew = !project;
    project ??= await insertProject(tx, desired.project, newPingKey());
    const revision = project.revision + 1;

    for (const c of changes.filter((c) => c.kind === 'channel')) {
      if (c.action === 'delete') await deleteChannel(tx, project.id, c.name);
      else await upsertChannel(tx, project.id, desired.channels.find((d) => d.name === c.name)!);
    }
    if (changes.some((c) => c.kind === 'route')) await replaceRoutes(tx, project.id, desired.routes);

    // Jobs change through the write path every other change takes: a config step each, saved by
    // persistSteps. New jobs go in first, empty, with one statement (an apply of thousands of jobs
    // stays a few round trips); changed ones are locked with one.
    const jobChanges = changes.filter((c) => c.kind === 'job');
    for (const c of jobChanges) if (c.action === 'delete') await deleteJob(tx, project.id, c.name);
    const specOf = (name: string) => desired.jobs.find((j) => j.name === name)!;
    const fields = new Map(jobChanges.map((c) => [c.name, c.fields.map(describeField)]));
    const configStep = (job: JobRow, previous: JobSpec | null): Judged => {
      const spec = specOf(job.name);
      const event: JobEvent = { type: 'config', previous, revision, commit: source.commit, changes: previous ? fields.get(job.name)! : [] };
      return { job, spec, steps: [step(spec, job.state, event, now)], signals: [], stored: job.next_check_at };
    };
    const created = await insertJobs(tx, project, jobChanges.filter((c) => c.action === 'create').map((c) => ({ spec: specOf(c.name), state: emptyState() })));
    const updated = await lockJobsByName(tx, project.id, jobChanges.filter((c) => c.action === 'update').map((c) => c.name));
    const judged = [...updated.map((job) => configStep(job, job.spec)), ...created.map((job) => configStep(job, null))];
    await persistSteps(deps, tx, judged);
    // UUIDs declared in the file (a job moving from Healthchecks keeps its URLs): claimed after the
    // jobs exist, checked unique at commit, so one apply may move or swap them between its jobs.
    const reassigned = await claimDeclaredUuids(tx, project.id, desired.jobs);
    const jobUuids = await listJobUuids(tx, project.id, [...new Set([...created.map((j) => j.name), ...reassigned])]);
    await insertRevision(tx, project.id, revision, contentHash(desired), source, changes);
    await setProjectRevision(tx, project.id, revision);
    await notifyChange(tx, { project: project.name, job: '*', status: 'config' });
    return { project: project.name, exists: !isNew, revision, changes, secretsCompared: true, impact: routingImpact(desired, current), changed: true, pingKey: project.ping_key, jobUuids, badgeKey: project.badge_key };
  });
}
