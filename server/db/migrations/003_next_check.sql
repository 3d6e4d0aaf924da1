-- One pending wake-up per job, derived from its state: the time of its earliest check.
alter table jobs add column next_check_at timestamptz;
