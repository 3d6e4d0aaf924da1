-- Every job has a UUID, for Healthchecks-style ping URLs (/ping/{uuid}): generated when the job is
-- created and kept across applies, or declared in pakyas.yaml (`uuid:`) to keep the URLs a job
-- already uses. Jobs that exist get theirs now.
alter table jobs add column uuid uuid;
update jobs set uuid = gen_random_uuid() where uuid is null;
alter table jobs alter column uuid set default gen_random_uuid();
alter table jobs alter column uuid set not null;

-- Unique on the server (a UUID names a job without its project). Checked at commit, so that one
-- apply may move a declared UUID from one job to another, or swap two; apply checks first and
-- says which job holds a UUID, so this is the backstop.
alter table jobs add constraint jobs_uuid_unique unique (uuid) deferrable initially deferred;
