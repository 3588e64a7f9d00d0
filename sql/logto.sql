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

-- The Logto user id of a user token; null for a machine token or no token. Minted JWTs carry it
-- in `logto_sub` (their `sub` is a UUID with `jwt.subject: 'uuid'`); forwarded Logto tokens
-- (third-party mode) only in `sub`.
create or replace function logto.user_id() returns text
language sql stable
set search_path = ''
as $$
  select case when logto.is_machine() then null
    else coalesce(nullif(c ->> 'logto_sub', ''), nullif(c ->> 'sub', '')) end
  from (select logto.claims() as c) as request
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

-- logto.uuid_of(logto_sub, namespace): the UUIDv5 of a Logto id, the `sub` of JWTs minted with
-- `jwt.subject: 'uuid'` (the same as `logtoUserUuid()` in JavaScript). The default namespace is the
-- library's; pass yours if you set `supabase.jwt.uuidNamespace`. It uses uuid-ossp's
-- uuid_generate_v5, wherever that extension lives (Supabase installs it in schema `extensions`).
do $$
declare
  ext_schema text;
begin
  select n.nspname into ext_schema
  from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
  where e.extname = 'uuid-ossp';
  if ext_schema is null then
    begin
      if exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions') then
        create extension "uuid-ossp" with schema extensions;
      else
        create extension "uuid-ossp";
      end if;
    exception when others then
      raise exception 'logto-supabase: logto.uuid_of() needs the "uuid-ossp" extension, which could not be created (%). '
        'Run as a superuser: create extension if not exists "uuid-ossp"; (Supabase: Database → Extensions → uuid-ossp; '
        'PGlite: load @electric-sql/pglite/contrib/uuid_ossp; Debian: apt install postgresql-contrib), then run this SQL again.', sqlerrm;
    end;
    select n.nspname into ext_schema
    from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'uuid-ossp';
  end if;
  execute format(
    $f$
    create or replace function logto.uuid_of(
      logto_sub text,
      namespace uuid default '226b2950-017c-54f8-9f1f-e2dbec0b3dae'
    ) returns uuid
    language sql immutable strict parallel safe
    set search_path = ''
    as $body$ select %I.uuid_generate_v5(namespace, logto_sub) $body$
    $f$,
    ext_schema
  );
end
$$;

-- Over the Data API: what the database sees of the caller. `npx logto-supabase doctor` calls it
-- to check that a token is accepted and that these helpers are installed. It returns the caller's
-- own claims, and the policies that call auth.uid() (which casts `sub` to uuid: every one of them
-- fails with 22P02 for a Logto id) among those that apply to the caller on tables it may use.
-- Security invoker: it shows nothing the caller could not read from pg_policies itself.
create or replace function public.logto_supabase_probe() returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'helpers_version', 2,
    'role', current_user,
    'sub', logto.claims() ->> 'sub',
    'user_id', logto.user_id(),
    'client_id', logto.client_id(),
    'organization_id', logto.organization_id(),
    'is_machine', logto.is_machine(),
    'scopes', to_jsonb(logto.scopes()),
    'auth_uid_policies', (
      select coalesce(jsonb_agg(jsonb_build_object('table', p.schemaname || '.' || p.tablename, 'name', p.policyname)
        order by p.schemaname, p.tablename, p.policyname), '[]'::jsonb)
      from pg_catalog.pg_policies as p
      where (p.qual ~ '\mauth\.uid\(\)' or p.with_check ~ '\mauth\.uid\(\)')
        and p.roles && array['public', current_user]::name[]
        and pg_catalog.has_table_privilege(
          pg_catalog.format('%I.%I', p.schemaname, p.tablename), 'select, insert, update, delete')
    )
  )
$$;

-- Grants name each function this file makes: running it again never re-grants a function your
-- app added to schema `logto` (and kept from anon) since. The probe is for doctor, which calls it
-- with a minted JWT or a Logto token, never as anon: anonymous callers may not list policies.
do $$
declare
  r text;
  f text;
begin
  revoke execute on function public.logto_supabase_probe() from public;
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      execute format('grant usage on schema logto to %I', r);
      foreach f in array array[
        'logto.claims()', 'logto.is_machine()', 'logto.user_id()', 'logto.client_id()', 'logto.organization_id()',
        'logto.scopes()', 'logto.has_scope(text)', 'logto.uuid_of(text, uuid)'
      ] loop
        execute format('grant execute on function %s to %I', f, r);
      end loop;
      if r = 'anon' then
        execute format('revoke execute on function public.logto_supabase_probe() from %I', r);
      else
        execute format('grant execute on function public.logto_supabase_probe() to %I', r);
      end if;
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

-- Storage (`storage.objects`), with Logto ids as they are (the default `jwt.subject: 'logto'`).
-- Each user owns the folder named after their Logto id: `<user id>/avatar.png` in a private bucket
--   insert into storage.buckets (id, name, public) values ('files', 'files', false);
-- Storage runs these with the JWT's claims, so `logto.user_id()` works as in any table. Do not
-- use Supabase's templates (`auth.uid()`): it casts `sub` to uuid, and every request that reaches
-- a row fails with 22P02 for a Logto id (use them only with `jwt.subject: 'uuid'`).
--
-- Own folder, for every operation. Safe on its own: a user reaches only paths under their id.
-- (An upload with `upsert: true` needs select, insert and update.)
--
-- create policy "files: own folder read" on storage.objects
--   for select to authenticated
--   using (bucket_id = 'files' and (select logto.user_id()) = (storage.foldername(name))[1]);
--
-- create policy "files: own folder insert" on storage.objects
--   for insert to authenticated
--   with check (bucket_id = 'files' and (select logto.user_id()) = (storage.foldername(name))[1]);
--
-- create policy "files: own folder update" on storage.objects
--   for update to authenticated
--   using (bucket_id = 'files' and (select logto.user_id()) = (storage.foldername(name))[1])
--   with check (bucket_id = 'files' and (select logto.user_id()) = (storage.foldername(name))[1]);
--
-- create policy "files: own folder delete" on storage.objects
--   for delete to authenticated
--   using (bucket_id = 'files' and (select logto.user_id()) = (storage.foldername(name))[1]);
--
-- Uploader reads: Storage writes `owner_id` = the JWT's `sub` on every upload (the Logto id in
-- this mode), so a user may also read what they uploaded, wherever it is.
--
-- create policy "files: uploader read" on storage.objects
--   for select to authenticated
--   using (bucket_id = 'files' and owner_id = (select logto.user_id()));
--
-- Safe combinations: the four own-folder policies; or the uploader read with the own-folder
-- insert (and update, delete). Never check `owner_id` alone on insert: Storage fills it from the
-- uploader's own token, so `with check (owner_id = (select logto.user_id()))` holds for any path
-- and lets a user write into another user's folder. Objects written with the service role (no
-- `sub`: `owner_id` is null) are visible to a user only where a policy says so, e.g. under their
-- folder. With `jwt.subject: 'uuid'`, `owner_id` holds the UUID: use `owner = (select auth.uid())`
-- for uploader reads instead; the own-folder policies stay as they are.

-- ---------------------------------------------------------------------------------------------
-- Logto users in a table: what `createLogtoUserSync` (webhooks) and `syncLogtoUsers`
-- (`npx logto-supabase sync-users`) write. Logto has no `auth.users` row; this is yours to join
-- and reference (foreign keys to public.logto_users(id)). Written only by the service role.
--
-- Logto's webhooks have no delivery id, no retries and no order, so:
-- - `updated_at` is the user's `updatedAt` in Logto: an older delivery never overwrites a newer row;
-- - a deleted user is remembered in logto.deleted_users, so a late update does not bring them back;
-- - `npx logto-supabase sync-users` repairs what a lost delivery missed.
create table if not exists public.logto_users (
  id text primary key,                  -- the Logto user id (= logto.user_id() of their tokens)
  username text,
  primary_email text,
  primary_phone text,
  name text,
  avatar text,
  custom_data jsonb,
  profile jsonb,
  identities jsonb,
  application_id text,                  -- the application the user registered through
  is_suspended boolean,
  has_password boolean,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz not null,      -- the user's updatedAt in Logto
  deleted_at timestamptz                -- set instead of deleting with onDelete: 'mark'
);
alter table public.logto_users enable row level security;

-- A user reads their own row; nobody but the service role writes.
drop policy if exists "logto_users: read own row" on public.logto_users;
create policy "logto_users: read own row" on public.logto_users
  for select to authenticated
  using ((select logto.user_id()) = id);

-- Users Logto deleted (by id, never reused), whichever table they were synced into.
create table if not exists logto.deleted_users (
  user_id text primary key,
  deleted_at timestamptz not null default now()
);
alter table logto.deleted_users enable row level security;

-- Writes `rows` (a JSON array of objects holding at least "id" and "updated_at") into `target`
-- (a table with a unique "id" and an "updated_at" column). Only the keys present are written,
-- so a partial row leaves other columns alone. A row is skipped when the stored one is newer, or
-- the user was deleted. With insert_missing = false, rows that do not exist yet are skipped.
-- Returns how many rows were written.
create or replace function public.logto_upsert_users(target text, rows jsonb, insert_missing boolean default true)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  tbl regclass := target::regclass;
  cols text[];
  col_list text;
  incoming text;
  written integer;
begin
  select array_agg(distinct k) into cols from jsonb_array_elements(rows) as r(v), jsonb_object_keys(r.v) as k;
  if cols is null then
    return 0;
  end if;
  if not (cols @> array['id', 'updated_at']) then
    raise exception 'logto_upsert_users: every row needs "id" and "updated_at"' using errcode = '22023';
  end if;
  select string_agg(format('%I', c), ', ') into col_list from unnest(cols) as c;
  -- The newest row per id, minus deleted users.
  incoming := format(
    'select distinct on (i.id) i.* from jsonb_populate_recordset(null::%s, $1) as i
      where not exists (select 1 from logto.deleted_users d where d.user_id = i.id::text)
      order by i.id, i.updated_at desc',
    tbl);
  if insert_missing then
    execute format(
      'insert into %1$s as t (%2$s) select %2$s from (%3$s) as i
       on conflict (id) do update set (%2$s) = row(%4$s) where excluded.updated_at >= t.updated_at',
      tbl, col_list, incoming,
      (select string_agg(format('excluded.%I', c), ', ') from unnest(cols) as c))
    using rows;
  else
    execute format(
      'update %1$s as t set (%2$s) = row(%4$s) from (%3$s) as i
        where t.id = i.id and i.updated_at >= t.updated_at',
      tbl, col_list, incoming,
      (select string_agg(format('i.%I', c), ', ') from unnest(cols) as c))
    using rows;
  end if;
  get diagnostics written = row_count;
  return written;
end
$$;

-- Remembers the users as deleted, then deletes their rows from `target` (or, with mark, sets
-- `deleted_at`). Returns how many rows were deleted or marked.
-- `user_ids` is a JSON array of ids.
create or replace function public.logto_delete_users(target text, user_ids jsonb, mark boolean default false)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  tbl regclass := target::regclass;
  ids text[] := array(select jsonb_array_elements_text(user_ids));
  written integer;
begin
  insert into logto.deleted_users (user_id) select distinct u from unnest(ids) as u on conflict do nothing;
  if mark then
    execute format('update %s set deleted_at = now() where id::text = any($1) and deleted_at is null', tbl) using ids;
  else
    execute format('delete from %s where id::text = any($1)', tbl) using ids;
  end if;
  get diagnostics written = row_count;
  return written;
end
$$;

-- The reconcile's `--remove-missing`: deletes (or marks) the rows of users not in `keep_ids`
-- (a JSON array of every user Logto listed) and not written since `updated_before` (when the
-- listing began), so a user created during the listing is kept. Returns the ids removed.
create or replace function public.logto_remove_missing_users(target text, keep_ids jsonb, updated_before timestamptz, mark boolean default false)
returns text[]
language plpgsql volatile
set search_path = ''
as $$
declare
  tbl regclass := target::regclass;
  missing text[];
begin
  execute format(
    'select coalesce(array_agg(t.id::text), array[]::text[]) from %s as t
      where t.updated_at < $2 %s
        and not exists (select 1 from jsonb_array_elements_text($1) as k(id) where k.id = t.id::text)',
    tbl, case when mark then 'and t.deleted_at is null' else '' end)
    into missing using keep_ids, updated_before;
  perform public.logto_delete_users(target, to_jsonb(missing), mark);
  return missing;
end
$$;

-- Only the service role syncs users (functions are executable by PUBLIC by default).
revoke execute on function public.logto_upsert_users(text, jsonb, boolean) from public;
revoke execute on function public.logto_delete_users(text, jsonb, boolean) from public;
revoke execute on function public.logto_remove_missing_users(text, jsonb, timestamptz, boolean) from public;

-- Supabase grants anon and authenticated everything in `public` by default: take back all
-- but reading (which RLS limits to the user's own row).
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_catalog.pg_roles where rolname = r) then
      execute format('revoke all on public.logto_users from %I', r);
      execute format('revoke execute on function public.logto_upsert_users(text, jsonb, boolean) from %I', r);
      execute format('revoke execute on function public.logto_delete_users(text, jsonb, boolean) from %I', r);
      execute format('revoke execute on function public.logto_remove_missing_users(text, jsonb, timestamptz, boolean) from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    grant select on public.logto_users to authenticated;
  end if;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant select, insert, update, delete on public.logto_users to service_role;
    grant select, insert on logto.deleted_users to service_role;
    grant execute on function public.logto_upsert_users(text, jsonb, boolean) to service_role;
    grant execute on function public.logto_delete_users(text, jsonb, boolean) to service_role;
    grant execute on function public.logto_remove_missing_users(text, jsonb, timestamptz, boolean) to service_role;
  end if;
end
$$;
