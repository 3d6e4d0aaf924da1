-- Retention (server/retention.ts): how many signals and timeline entries each job holds. The
-- prune pass keeps these counts itself, from the rows it has not counted yet, so that a signal
-- costs nothing more than before. No foreign key to jobs: deleting a job (an apply) would then
-- lock these rows too, and could deadlock with a pass; the pass forgets the counts of deleted
-- jobs instead.
create table retention_counts (
  job_id bigint primary key,
  signals bigint not null default 0,
  timeline bigint not null default 0
);

-- How far each table is counted: rows with ids up to counted_upto are in retention_counts;
-- seen_max was the newest id when the last pass ended, counted by the next pass (by then every
-- transaction that had taken a smaller id has committed or rolled back).
create table retention_cursor (
  name text primary key,
  counted_upto bigint not null,
  seen_max bigint not null
);
insert into retention_cursor (name, counted_upto, seen_max) select 'signals', 0, coalesce(max(id), 0) from signals;
insert into retention_cursor (name, counted_upto, seen_max) select 'timeline', 0, coalesce(max(id), 0) from timeline;

-- No new index on signals or timeline: the pass counts new rows by their primary key and deletes
-- a job's oldest rows through the (job_id, id) indexes of migration 001. An index on (at) would
-- add a write to every signal.
