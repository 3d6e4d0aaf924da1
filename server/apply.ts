// Config as code: plan (what would change) and apply (make it so, in one transaction).
import { createHash, randomBytes } from 'node:crypto';
import { displaySetting, type JobSpec, type ProjectConfig } from '../schema/types.js';
import { nextWake, scheduleWakes } from './checks.js';
import { describeField, planChanges, type Change, type PlanOptions } from './core/plan.js';
import { emptyState, nextCheckAt, type Step } from './core/state.js';
import { step } from './core/status.js';
import { deleteChannel, loadChannels, loadJobSpecs, loadRoutes, replaceRoutes, upsertChannel } from './db/config.js';
import { deleteJob, insertJobs, lockJobByName, saveJob } from './db/jobs.js';
import { notifyChange } from './db/notify.js';
import type { Queryable } from './db/port.js';
import { findProjectByName, insertProject, lockProjectName, setProjectRevision } from './db/projects.js';
import { insertRevision, type RevisionSource } from './db/revisions.js';
import { insertTimelineMany } from './db/timeline.js';
import type { AfterCommit, JudgeDeps } from './judge.js';

export interface PlanResult {
  project: string;
  exists: boolean;
  /** The project's revision the plan was computed against (0: none yet). */
  revision: number;
  changes: Change[];
  /** False when the plan was made for a read-only token: hidden values were not compared (plan.ts). */
  secretsCompared: boolean;
}

export interface ApplyResult extends PlanResult {
  changed: boolean;
  pingKey: string;
  /** Reads job states for badges (server/badges.ts), nothing else. */
  badgeKey: string;
}

export class StalePlanError extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`the plan was made against revision ${expected}, but the project is at revision ${actual} now; run plan again`);
  }
}

export function newPingKey(): string {
  return randomBytes(24).toString('base64url');
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
    changes: planChanges(desired, current, options), secretsCompared: options.compareSecrets,
  };
}

export async function applyProject(
  deps: JudgeDeps, desired: ProjectConfig, source: RevisionSource, expectedRevision: number | null, now = Date.now(),
): Promise<ApplyResult> {
  const after: AfterCommit = [];
  const result = await deps.db.transaction(async (tx) => {
    await lockProjectName(tx, desired.project);
    let project = await findProjectByName(tx, desired.project);
    const actual = project?.revision ?? 0;
    if (expectedRevision !== null && expectedRevision !== actual) throw new StalePlanError(expectedRevision, actual);
    const current = project ? await currentConfig(tx, project.id, project.name) : null;
    const changes = planChanges(desired, current);
    if (project && changes.length === 0) {
      return { project: project.name, exists: true, revision: project.revision, changes, secretsCompared: true, changed: false, pingKey: project.ping_key, badgeKey: project.badge_key };
    }
    const isNew = !project;
    project ??= await insertProject(tx, desired.project, newPingKey());
    const revision = project.revision + 1;

    for (const c of changes.filter((c) => c.kind === 'channel')) {
      if (c.action === 'delete') await deleteChannel(tx, project.id, c.name);
      else await upsertChannel(tx, project.id, desired.channels.find((d) => d.name === c.name)!);
    }
    if (changes.some((c) => c.kind === 'route')) await replaceRoutes(tx, project.id, desired.routes);

    const commit = source.commit;
    const timeline: Array<{ jobId: number; entries: Step['timeline'] }> = [];
    const wakes: number[] = [];
    const created: Array<{ spec: JobSpec; r: Step }> = [];
    for (const c of changes.filter((c) => c.kind === 'job')) {
      if (c.action === 'delete') { await deleteJob(tx, project.id, c.name); continue; }
      const spec = desired.jobs.find((j) => j.name === c.name)!;
      if (c.action === 'create') {
        created.push({ spec, r: step(spec, emptyState(), { type: 'config', previous: null, revision, commit, changes: [] }, now) });
        continue;
      }
      const row = (await lockJobByName(tx, project.id, c.name))!;
      const r = step(spec, row.state, { type: 'config', previous: row.spec, revision, commit, changes: c.fields.map(describeField) }, now);
      const wake = nextWake(nextCheckAt(spec, r.state), row.next_check_at);
      await saveJob(tx, row.id, spec, r.state, wake.next);
      timeline.push({ jobId: row.id, entries: r.timeline });
      if (wake.schedule) wakes.push(wake.next!);
    }
    // New jobs go in with one statement: an apply of thousands of jobs stays a few round trips.
    const ids = await insertJobs(tx, project.id, created.map(({ spec, r }) => ({ spec, state: r.state, nextCheckAt: nextCheckAt(spec, r.state) })));
    for (const { spec, r } of created) {
      const jobId = ids.get(spec.name)!;
      timeline.push({ jobId, entries: r.timeline });
      const at = nextCheckAt(spec, r.state);
      if (at !== null) wakes.push(at);
    }
    await insertTimelineMany(tx, timeline);
    const wakeTimes = await scheduleWakes(deps.boss, tx, wakes, { queued: deps.waker });
    await insertRevision(tx, project.id, revision, contentHash(desired), source, changes);
    await setProjectRevision(tx, project.id, revision);
    await notifyChange(tx, { project: project.name, job: '*', status: 'config' });
    after.push(() => { for (const at of wakeTimes) deps.waker.at(at); });
    return { project: project.name, exists: !isNew, revision, changes, secretsCompared: true, changed: true, pingKey: project.ping_key, badgeKey: project.badge_key };
  });
  for (const f of after) f();
  return result;
}
