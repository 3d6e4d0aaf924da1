-- Ticks find the jobs due by their time through this index (server/checks.ts).
create index jobs_next_check on jobs (next_check_at) where next_check_at is not null;
