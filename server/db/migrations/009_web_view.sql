-- The web view (server/web.ts): browser sessions opened by pasting a token, and each project's
-- badge key.

-- A session is a token seen through a cookie. Only sha256 of the cookie's value is kept; revoking
-- the token ends its sessions (the cascade).
create table web_sessions (
  hash text primary key,
  token_id bigint not null references tokens(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index web_sessions_token on web_sessions (token_id);
create index web_sessions_expiry on web_sessions (expires_at);

-- A status badge names its project by this key, not by a token: it reads only job states, and a
-- new key (pakyas badge --rotate) makes every badge published with the old one answer 404. Drawn
-- from the database's strong random source (gen_random_uuid, 2 × 122 bits), so that every
-- project, old or new, has one however it was created.
alter table projects add column badge_key text not null
  default ('pkb_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
create unique index projects_badge_key on projects (badge_key);
