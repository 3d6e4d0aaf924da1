-- Projects, their config (jobs, channels, routes), revisions, tokens, and what jobs report.

create table projects (
  id bigint generated always as identity primary key,
  name text not null unique,
  ping_key text not null unique,
  revision integer not null default 0,
  created_at timestamptz not null default now()
);

create table revisions (
  project_id bigint not null references projects(id) on delete cascade,
  number integer not null,
  content_hash text not null,
  commit_sha text,
  ref text,
  author text,
  source text,
  changes jsonb not null,
  created_at timestamptz not null default now(),
  primary key (project_id, number)
);

create table jobs (
  id bigint generated always as identity primary key,
  project_id bigint not null references projects(id) on delete cascade,
  name text not null,
  spec jsonb not null,
  -- The judged state (server/core/status.ts JobState); status is copied out for listing and metrics.
  state jsonb not null,
  status text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_id, name)
);

create table channels (
  project_id bigint not null references projects(id) on delete cascade,
  name text not null,
  type text not null,
  settings jsonb not null,
  primary key (project_id, name)
);

create table routes (
  project_id bigint not null references projects(id) on delete cascade,
  position integer not null,
  match jsonb not null,
  notify jsonb not null,
  on_transitions jsonb not null,
  primary key (project_id, position)
);

create table tokens (
  id bigint generated always as identity primary key,
  name text not null,
  -- sha256 of the token; the token itself is shown once and never stored.
  hash text not null unique,
  project_id bigint references projects(id) on delete cascade,
  read_only boolean not null default false,
  admin boolean not null default false,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);

create table signals (
  id bigint generated always as identity primary key,
  job_id bigint not null references jobs(id) on delete cascade,
  kind text not null,
  received_at timestamptz not null,
  occurred_at timestamptz not null,
  replayed boolean not null default false,
  judged boolean not null default true,
  rid text,
  exit_code integer,
  duration_ms bigint,
  host text,
  user_agent text,
  body text,
  body_cut_bytes integer not null default 0
);
create index signals_job on signals (job_id, id desc);

create table timeline (
  id bigint generated always as identity primary key,
  job_id bigint not null references jobs(id) on delete cascade,
  at timestamptz not null,
  kind text not null,
  message text not null,
  data jsonb
);
create index timeline_job on timeline (job_id, id desc);
