-- Alerts owed by transitions, and their delivery to each channel.

create table alerts (
  id bigint generated always as identity primary key,
  job_id bigint not null references jobs(id) on delete cascade,
  transition text not null,
  from_health text,
  to_health text not null,
  at timestamptz not null,
  reason text not null,
  evidence jsonb not null,
  created_at timestamptz not null default now()
);
create index alerts_job on alerts (job_id, id desc);

create table deliveries (
  id bigint generated always as identity primary key,
  alert_id bigint not null references alerts(id) on delete cascade,
  channel text not null,
  -- pending until sent, or failed once every attempt has failed
  status text not null default 'pending',
  attempts integer not null default 0,
  last_error text,
  sent_at timestamptz,
  unique (alert_id, channel)
);
