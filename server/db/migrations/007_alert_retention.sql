-- Retention of alerts (server/retention.ts): each job's alerts are counted like its signals and
-- timeline entries, by the prune pass from the ids it has not counted yet; alerts already stored
-- are counted by the first pass. Their deliveries are deleted with them, not counted: an alert
-- has one per channel it was sent to, at most a project's channels.
alter table retention_counts add column alerts bigint not null default 0;
insert into retention_cursor (name, counted_upto, seen_max) select 'alerts', 0, coalesce(max(id), 0) from alerts;
