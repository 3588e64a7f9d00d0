-- logto-supabase: SQL helpers for Row-Level Security with Logto identities.
--
-- Idempotent: safe to run twice (or on every deploy).
-- Supabase no longer lets projects create functions in its `auth` schema, and
-- `auth.uid()` casts `sub` to uuid, which fails for Logto's 12-character user ids.
-- These helpers live in their own schema `logto` and read the claims PostgREST
-- puts in `request.jwt.claims`, both for JWTs minted by logto-supabase and for
-- Logto access tokens forwarded through Supabase third-party auth.
--
-- Keep `logto` out of the schemas your Data API exposes: the functions are
-- meant to be called from policies, not over HTTP.

create schema if not exists logto;

-- The verified JWT claims of the current request, `{}` outside a request.
create or replace function logto.claims() returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

-- True for a machine-to-machine token (Logto's client credentials: sub = client_id).
create or replace function logto.is_machine() returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce(
    (c -> 'is_machine') = 'true'::jsonb
      or (c ->> 'sub' is not null and c ->> 'sub' = c ->> 'client_id'),
    false
  )
  from (select logto.claims() as c) as request
$$;

-- The Logto user id (`sub`) of a user token; null for a machine token or no token.
create or replace function logto.user_id() returns text
language sql stable
set search_path = ''
as $$
  select case when logto.is_machine() then null else nullif(logto.claims() ->> 'sub', '') end
$$;

-- The Logto application (client) id that obtained the token.
create or replace function logto.client_id() returns text
language sql stable
set search_path = ''
as $$
  select nullif(logto.claims() ->> 'client_id', '')
$$;

-- The Logto organization: the `organization_id` claim, or `<id>` of an
-- organization token's audience `urn:logto:organization:<id>`.
create or replace function logto.organization_id() returns text
language sql stable
set search_path = ''
as $$
  select coalesce(
    nullif(c ->> 'organization_id', ''),
    (
      select substr(aud, length('urn:logto:organization:') + 1)
      from (
        select case jsonb_typeof(c -> 'aud')
          when 'string' then array[c ->> 'aud']
          when 'array' then array(select jsonb_array_elements_text(c -> 'aud'))
          else array[]::text[]
        end as auds
      ) as a, unnest(a.auds) as aud
      where aud like 'urn:logto:organization:_%'
      limit 1
    )
  )
  from (select logto.claims() as c) as request
$$;

-- The token's scopes (Logto permissions), split on spaces; empty without a token.
create or replace function logto.scopes() returns text[]
language sql stable
set search_path = ''
as $$
  select coalesce(
    array(
      select s
      from unnest(string_to_array(logto.claims() ->> 'scope', ' ')) as s
      where s <> ''
    ),
    array[]::text[]
  )
$$;

-- True when the token holds exactly this scope (never a substring match).
create or replace function logto.has_scope(required text) returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce(required = any(logto.scopes()), false)
$$;

-- Over the Data API: what the database sees of the caller. `npx logto-supabase doctor` calls it
-- to check that a token is accepted and that these helpers are installed. It returns only the
-- caller's own claims.
create or replace function public.logto_supabase_probe() returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'helpers_version', 1,
    'role', current_user,
    'user_id', logto.user_id(),
    'client_id', logto.client_id(),
    'organization_id', logto.organization_id(),
    'is_machine', logto.is_machine(),
    'scopes', to_jsonb(logto.scopes())
  )
$$;

do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      execute format('grant usage on schema logto to %I', r);
      execute format('grant execute on all functions in schema logto to %I', r);
      execute format('grant execute on function public.logto_supabase_probe() to %I', r);
    end if;
  end loop;
end
$$;

-- Example policies for a table `posts(user_id text)` owned by Logto users.
-- Wrap helpers in `(select …)` so Postgres runs them once per statement, not per row.
--
-- create table if not exists public.posts (
--   id bigint generated always as identity primary key,
--   user_id text not null default logto.user_id(),
--   title text not null,
--   created_at timestamptz not null default now()
-- );
-- alter table public.posts enable row level security;
--
-- create policy "posts: owners read" on public.posts
--   for select to authenticated
--   using ((select logto.user_id()) = user_id);
--
-- create policy "posts: owners insert" on public.posts
--   for insert to authenticated
--   with check ((select logto.user_id()) = user_id);
--
-- create policy "posts: owners update" on public.posts
--   for update to authenticated
--   using ((select logto.user_id()) = user_id)
--   with check ((select logto.user_id()) = user_id);
--
-- create policy "posts: owners delete" on public.posts
--   for delete to authenticated
--   using ((select logto.user_id()) = user_id);
--
-- Scope-based access (Logto RBAC permissions), exact match:
--   using ((select logto.has_scope('read:posts')))
