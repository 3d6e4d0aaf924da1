// A project's desired config as stored: job specs, channels (with their secrets) and routes.
import type { ChannelSpec, JobSpec, RouteSpec } from '../../schema/types.js';
import type { Queryable } from './port.js';

export async function loadChannels(db: Queryable, projectId: number): Promise<ChannelSpec[]> {
  const rows = await db.query<{ name: string; type: ChannelSpec['type']; settings: ChannelSpec['settings'] }>(
    'select name, type, settings from channels where project_id = $1 order by name', [projectId]);
  return rows.map((r) => ({ name: r.name, type: r.type, settings: r.settings }));
}

export async function loadRoutes(db: Queryable, projectId: number): Promise<RouteSpec[]> {
  const rows = await db.query<{ match: RouteSpec['match']; notify: string[]; on_transitions: RouteSpec['on'] }>(
    'select match, notify, on_transitions from routes where project_id = $1 order by position', [projectId]);
  return rows.map((r) => ({ match: r.match, notify: r.notify, on: r.on_transitions }));
}

export async function loadJobSpecs(db: Queryable, projectId: number): Promise<JobSpec[]> {
  const rows = await db.query<{ spec: JobSpec }>('select spec from jobs where project_id = $1 order by name', [projectId]);
  return rows.map((r) => r.spec);
}

export async function upsertChannel(db: Queryable, projectId: number, c: ChannelSpec): Promise<void> {
  await db.query(
    `insert into channels (project_id, name, type, settings) values ($1, $2, $3, $4::text::jsonb)
     on conflict (project_id, name) do update set type = excluded.type, settings = excluded.settings`,
    [projectId, c.name, c.type, JSON.stringify(c.settings)]);
}

export async function deleteChannel(db: Queryable, projectId: number, name: string): Promise<void> {
  await db.query('delete from channels where project_id = $1 and name = $2', [projectId, name]);
}

export async function replaceRoutes(db: Queryable, projectId: number, routes: RouteSpec[]): Promise<void> {
  await db.query('delete from routes where project_id = $1', [projectId]);
  if (routes.length === 0) return;
  await db.query(
    `insert into routes (project_id, position, match, notify, on_transitions)
     select $1, r.ordinality, r.value->'match', r.value->'notify', r.value->'on'
     from jsonb_array_elements($2::text::jsonb) with ordinality as r`,
    [projectId, JSON.stringify(routes)]);
}
