-- Deliveries are claimed from this table in batches (server/alerts.ts), not as one pg-boss row
-- each: pg-boss holds only ticks that say "deliveries are due at this time".
alter table deliveries add column job_id bigint;
alter table deliveries add column next_attempt_at timestamptz;
-- Set while a worker holds an attempt; a worker that dies lets it lapse and another takes over.
alter table deliveries add column claimed_until timestamptz;
update deliveries d set job_id = a.job_id from alerts a where a.id = d.alert_id;
-- Deliveries still pending from before this migration (their pg-boss rows are no longer read) go
-- out at the first tick.
update deliveries set next_attempt_at = now() where status = 'pending';
alter table deliveries alter column job_id set not null;
-- Due deliveries, earliest first.
create index deliveries_due on deliveries (next_attempt_at, id) where status = 'pending';
-- A job's alerts to a channel go out in order: is an earlier one still pending?
create index deliveries_pending_order on deliveries (job_id, channel, id) where status = 'pending';
