/**
 * Supabase Storage with Logto ids, on a real Postgres (PGlite, and PostgreSQL 15 when
 * TEST_DATABASE_URL is set): `storage.objects` and `storage.foldername()` in Supabase's shape, the
 * claims set the way the Storage server sets them, and the policies exactly as the package's SQL
 * ships them in its comments. Also: `logto.uuid_of` agrees with `logtoUserUuid`, and UUID subjects
 * make `auth.uid()` policies work where Logto ids make them fail with 22P02.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import { decodeJwt, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type LocalDatabase } from '../../examples/local-stack/src/database.js';
import { apps, users } from '../../examples/local-stack/src/fixtures.js';
import { logtoUserUuid, signSupabaseJwt, verifyLogtoToken, type SupabaseOptions } from '../../src/index.js';
import { logtoSql } from '../../src/sql/index.js';
import { AUDIENCE, ENDPOINT, generateTestKey, jwksOf, machineClaims, randomId, signToken } from '../helpers/tokens.js';
import { JWT_SECRET, PUBLISHABLE_KEY, SUPABASE_URL } from '../helpers/supabase.js';

const databases = [
  { name: 'PGlite', databaseUrl: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', databaseUrl: process.env.TEST_DATABASE_URL }] : []),
];

const alice = users.alice.id;
const bob = users.bob.id;
const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

/** The `create policy` statements of the SQL's comments, by policy name: what users copy. */
function shippedPolicies(sql: string): Map<string, string> {
  const policies = new Map<string, string>();
  let statement: string[] | undefined;
  for (const line of sql.split('\n')) {
    if (line.startsWith('-- create policy')) statement = [];
    if (!statement) continue;
    statement.push(line.replace(/^-- ?/, ''));
    if (line.trimEnd().endsWith(';')) {
      const text = statement.join('\n');
      policies.set(/create policy "([^"]+)"/.exec(text)![1]!, text);
      statement = undefined;
    }
  }
  return policies;
}
const policies = shippedPolicies(logtoSql);

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The first ```sql block of the README after `heading`. */
function readmeSql(heading: string): string {
  const after = readme.slice(readme.indexOf(heading));
  return /```sql\n([\s\S]*?)```/.exec(after)![1]!;
}
const normalize = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const ownFolder = ['files: own folder read', 'files: own folder insert', 'files: own folder update', 'files: own folder delete'];

// storage.objects and storage.foldername() as supabase/storage's migrations define them (the columns used here).
const storageSchema = /* sql */ `
create schema if not exists storage;
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  metadata jsonb
);
alter table storage.objects enable row level security;
create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable
as $$
declare
  _parts text[];
begin
  select string_to_array(name, '/') into _parts;
  return _parts[1:array_length(_parts, 1) - 1];
end
$$;
grant usage on schema storage to anon, authenticated, service_role;
grant all on storage.objects to anon, authenticated, service_role;

-- A table with a policy from Supabase's templates, which casts sub to uuid through auth.uid().
create table if not exists public.notes (owner_uuid uuid not null default auth.uid(), body text not null);
alter table public.notes enable row level security;
grant select, insert on public.notes to authenticated, service_role;
drop policy if exists "notes: template" on public.notes;
create policy "notes: template" on public.notes for all to authenticated
  using (auth.uid() = owner_uuid) with check (auth.uid() = owner_uuid);
`;

const logtoKey = await generateTestKey('ES384', 'logto');
const supabase = (jwt: SupabaseOptions['jwt'] = {}): SupabaseOptions => ({ url: SUPABASE_URL, anonKey: PUBLISHABLE_KEY, jwtSecret: JWT_SECRET, jwt });

/** The claims of a real minted JWT, decoded: what Storage puts in `request.jwt.claims`. */
const mintedClaims = async (subject: string, jwt: SupabaseOptions['jwt'] = {}) => decodeJwt(await signSupabaseJwt(subject, supabase(jwt)));
const machineMintedClaims = async (jwt: SupabaseOptions['jwt'] = {}) => {
  const auth = await verifyLogtoToken(await signToken(logtoKey, { claims: machineClaims({ sub: apps.reporter.clientId, client_id: apps.reporter.clientId }) }), {
    endpoint: ENDPOINT,
    audience: AUDIENCE,
    jwks: jwksOf(logtoKey),
    cache: false,
  });
  return decodeJwt(await signSupabaseJwt(auth, supabase(jwt)));
};
const serviceRole: JWTPayload = { role: 'service_role', iss: 'supabase' };
const anon: JWTPayload = { role: 'anon', iss: 'supabase' };

/** Storage writes `owner` only for a UUID `sub` (versions 0 to 5). */
const storageOwner = (sub: unknown) => (typeof sub === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(sub) ? sub : null);

describe.each(databases)('Storage and UUID subjects on $name', ({ databaseUrl }) => {
  let db: LocalDatabase;

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl });
    await db.exec(storageSchema);
  });
  afterAll(() => db?.close());

  /** Runs `sql` the way Storage does for a request with these claims: role from `role`, claims in settings. */
  const as = (claims: JWTPayload, sql: string, params: unknown[] = []) =>
    db.withClaims(claims, async (tx) => {
      await tx.query(`select set_config('request.jwt.claim.sub', $1, true), set_config('request.jwt.claim.role', $2, true)`, [
        claims.sub ?? '',
        claims.role ?? 'anon',
      ]);
      return tx.query(sql, params);
    });
  const upload = (claims: JWTPayload, name: string, bucket = 'files') =>
    as(claims, 'insert into storage.objects (bucket_id, name, owner, owner_id) values ($1, $2, $3, $4)', [bucket, name, storageOwner(claims.sub), claims.sub ?? null]);
  const list = async (claims: JWTPayload, bucket = 'files') =>
    (await as(claims, 'select name from storage.objects where bucket_id = $1 order by name', [bucket])).map((row) => row.name);
  const remove = async (claims: JWTPayload, name: string) =>
    (await as(claims, `delete from storage.objects where bucket_id = 'files' and name = $1 returning name`, [name])).map((row) => row.name);
  const rename = async (claims: JWTPayload, name: string, to: string) =>
    (await as(claims, `update storage.objects set name = $2 where bucket_id = 'files' and name = $1 returning name`, [name, to])).map((row) => row.name);

  async function usePolicies(...names: string[]) {
    await db.exec(`
      do $$ declare p record; begin
        for p in select policyname from pg_policies where schemaname = 'storage' and tablename = 'objects' loop
          execute format('drop policy %I on storage.objects', p.policyname);
        end loop;
      end $$;
      truncate storage.objects;
    `);
    for (const name of names) await db.exec(policies.get(name)!);
  }

  describe('logto.uuid_of agrees with logtoUserUuid', () => {
    it('on RFC 9562 vectors, with the default namespace, and for null', async () => {
      const [row] = await db.query(
        `select logto.uuid_of('www.example.com', $1)::text as rfc, logto.uuid_of('python.org', $1)::text as python,
                logto.uuid_of($2)::text as alice, logto.uuid_of(null)::text as none`,
        [DNS, alice],
      );
      expect(row).toEqual({
        rfc: '2ed6657d-e927-568b-95e1-2665a8aea6a2',
        python: '886313e1-3b8a-5372-9b90-0c9aee199e5d',
        alice: await logtoUserUuid(alice),
        none: null,
      });
    });

    it('on 1,000 random Logto-shaped ids (and app ids, and non-ASCII names), JavaScript against SQL', async () => {
      const ids = [
        ...Array.from({ length: 1000 }, () => randomId(12)),
        ...Array.from({ length: 20 }, () => randomId(21)),
        'ünïcödé-用户',
        'a b/c',
      ];
      const [{ uuids }] = (await db.query<{ uuids: string[] }>(
        `select array_agg(logto.uuid_of(id)::text order by i) as uuids from jsonb_array_elements_text($1::jsonb) with ordinality as t(id, i)`,
        [JSON.stringify(ids)],
      )) as [{ uuids: string[] }];
      const expected = await Promise.all(ids.map((id) => logtoUserUuid(id)));
      expect(uuids).toHaveLength(ids.length);
      expect(uuids.filter((uuid, i) => uuid !== expected[i])).toEqual([]);
      const [{ custom }] = (await db.query<{ custom: string[] }>(
        `select array_agg(logto.uuid_of(id, $2)::text order by i) as custom from jsonb_array_elements_text($1::jsonb) with ordinality as t(id, i)`,
        [JSON.stringify(ids.slice(0, 50)), DNS],
      )) as [{ custom: string[] }];
      expect(custom).toEqual(await Promise.all(ids.slice(0, 50).map((id) => logtoUserUuid(id, DNS))));
    });
  });

  describe('logto.user_id() gives the Logto id in both subject modes', () => {
    it.each([['logto'], ['uuid']] as const)('subject %s: the Logto id for a user, null for a machine', async (subject) => {
      const user = await as(await mintedClaims(alice, { subject }), 'select logto.user_id() as id, logto.is_machine() as machine');
      expect(user).toEqual([{ id: alice, machine: false }]);
      const machine = await as(await machineMintedClaims({ subject }), 'select logto.user_id() as id, logto.client_id() as client, logto.is_machine() as machine');
      expect(machine).toEqual([{ id: null, client: apps.reporter.clientId, machine: true }]);
    });

    it('reads sub when there is no logto_sub (a Logto token forwarded in third-party mode)', async () => {
      const forwarded = { sub: alice, client_id: apps.web.clientId, role: 'authenticated' };
      expect(await as(forwarded, 'select logto.user_id() as id')).toEqual([{ id: alice }]);
    });

    it('in uuid mode, auth.uid() is logto.uuid_of(logto.user_id()): rows keyed either way join', async () => {
      const [row] = await as(await mintedClaims(alice, { subject: 'uuid' }), 'select auth.uid() = logto.uuid_of(logto.user_id()) as same, auth.uid()::text as uid');
      expect(row).toEqual({ same: true, uid: await logtoUserUuid(alice) });
    });

    it("the seed's policies keep working: userId is the Logto id in uuid mode too", async () => {
      const titles = await as(await mintedClaims(alice, { subject: 'uuid' }), 'select title from public.legacy_posts');
      expect(titles).toEqual([{ title: "Alice's legacy post" }]);
    });
  });

  describe('Supabase templates (auth.uid()): 22P02 with Logto ids, working with UUID subjects', () => {
    beforeEach(async () => {
      await db.exec('truncate public.notes');
      await db.query(`insert into public.notes (owner_uuid, body) values ($1, 'alice 1'), ($2, 'bob 1')`, [await logtoUserUuid(alice), await logtoUserUuid(bob)]);
    });

    it("subject 'logto': reading and writing fail with 22P02 (invalid input syntax for type uuid)", async () => {
      const claims = await mintedClaims(alice);
      await expect(as(claims, 'select body from public.notes')).rejects.toMatchObject({ code: '22P02' });
      await expect(as(claims, `insert into public.notes (body) values ('new')`)).rejects.toMatchObject({ code: '22P02' });
    });

    it("subject 'uuid': alice reads and writes only her own notes", async () => {
      const claims = await mintedClaims(alice, { subject: 'uuid' });
      await as(claims, `insert into public.notes (body) values ('alice 2')`);
      expect(await as(claims, 'select body from public.notes order by body')).toEqual([{ body: 'alice 1' }, { body: 'alice 2' }]);
      await expect(as(claims, `insert into public.notes (owner_uuid, body) values ($1, 'forged')`, [await logtoUserUuid(bob)])).rejects.toMatchObject({
        code: '42501',
      });
    });
  });

  describe("Supabase's Storage template on storage.objects (owner = auth.uid())", () => {
    beforeEach(async () => {
      await usePolicies();
      await db.exec(`create policy "template: owner reads" on storage.objects for select to authenticated using (bucket_id = 'files' and owner = auth.uid())`);
      await db.exec(`create policy "template: insert" on storage.objects for insert to authenticated with check (bucket_id = 'files')`);
    });

    it("subject 'logto': listing fails with 22P02 once a row is reached, and owner stays null", async () => {
      const claims = await mintedClaims(alice);
      await upload(claims, `${alice}/avatar.png`);
      await expect(list(claims)).rejects.toMatchObject({ code: '22P02' });
      expect(await db.query('select owner from storage.objects')).toEqual([{ owner: null }]);
    });

    it("subject 'uuid': alice lists what she uploaded, not bob's", async () => {
      await upload(await mintedClaims(bob, { subject: 'uuid' }), `${bob}/b.png`);
      const claims = await mintedClaims(alice, { subject: 'uuid' });
      await upload(claims, `${alice}/a.png`);
      expect(await list(claims)).toEqual([`${alice}/a.png`]);
    });
  });

  describe('the shipped own-folder policies', () => {
    beforeEach(() => usePolicies(...ownFolder));

    it.each([['logto'], ['uuid']] as const)('subject %s: alice inserts, lists, renames and deletes in her folder', async (subject) => {
      const claims = await mintedClaims(alice, { subject });
      await upload(claims, `${alice}/avatar.png`);
      await upload(claims, `${alice}/docs/cv.pdf`);
      expect(await list(claims)).toEqual([`${alice}/avatar.png`, `${alice}/docs/cv.pdf`]);
      expect(await rename(claims, `${alice}/avatar.png`, `${alice}/old-avatar.png`)).toEqual([`${alice}/old-avatar.png`]);
      expect(await remove(claims, `${alice}/old-avatar.png`)).toEqual([`${alice}/old-avatar.png`]);
      expect(await list(claims)).toEqual([`${alice}/docs/cv.pdf`]);
    });

    it('Storage fills owner only for a UUID subject, owner_id always', async () => {
      await upload(await mintedClaims(alice), `${alice}/text-id.png`);
      await upload(await mintedClaims(alice, { subject: 'uuid' }), `${alice}/uuid.png`);
      expect(await db.query('select name, owner::text, owner_id from storage.objects order by name')).toEqual([
        { name: `${alice}/text-id.png`, owner: null, owner_id: alice },
        { name: `${alice}/uuid.png`, owner: await logtoUserUuid(alice), owner_id: await logtoUserUuid(alice) },
      ]);
    });

    it("alice can neither read, write, rename nor delete in bob's folder", async () => {
      const [aliceClaims, bobClaims] = await Promise.all([mintedClaims(alice), mintedClaims(bob)]);
      await upload(bobClaims, `${bob}/secret.txt`);
      expect(await list(aliceClaims)).toEqual([]);
      await expect(upload(aliceClaims, `${bob}/planted.txt`)).rejects.toMatchObject({ code: '42501' });
      await expect(upload(aliceClaims, 'planted.txt')).rejects.toMatchObject({ code: '42501' });
      expect(await rename(aliceClaims, `${bob}/secret.txt`, `${alice}/stolen.txt`)).toEqual([]);
      expect(await remove(aliceClaims, `${bob}/secret.txt`)).toEqual([]);
      await upload(aliceClaims, `${alice}/mine.txt`);
      await expect(rename(aliceClaims, `${alice}/mine.txt`, `${bob}/mine.txt`)).rejects.toMatchObject({ code: '42501' });
      expect(await list(bobClaims)).toEqual([`${bob}/secret.txt`]);
    });

    it('only in the bucket the policies name', async () => {
      await expect(upload(await mintedClaims(alice), `${alice}/avatar.png`, 'other')).rejects.toMatchObject({ code: '42501' });
    });

    it('a service-role write is visible to no user, unless under their folder (the policy says so)', async () => {
      await upload(serviceRole, 'system/report.pdf');
      await upload(serviceRole, `${alice}/welcome.txt`);
      expect(await list(serviceRole)).toEqual([`${alice}/welcome.txt`, 'system/report.pdf']);
      expect(await list(await mintedClaims(alice))).toEqual([`${alice}/welcome.txt`]);
      expect(await list(await mintedClaims(bob))).toEqual([]);
      expect(await list(anon)).toEqual([]);
      expect(await list(await machineMintedClaims())).toEqual([]);
    });
  });

  describe('the shipped uploader read policy (owner_id)', () => {
    it('with the own-folder insert: alice reads what she uploaded, not bob\'s nor the service role\'s', async () => {
      await usePolicies('files: uploader read', 'files: own folder insert');
      const [aliceClaims, bobClaims] = await Promise.all([mintedClaims(alice), mintedClaims(bob)]);
      await upload(aliceClaims, `${alice}/a.txt`);
      await upload(bobClaims, `${bob}/b.txt`);
      await upload(serviceRole, `${alice}/from-the-server.txt`);
      expect(await list(aliceClaims)).toEqual([`${alice}/a.txt`]);
      expect(await list(bobClaims)).toEqual([`${bob}/b.txt`]);
    });

    it('why owner_id alone must never guard inserts: alice could write into bob\'s folder', async () => {
      await usePolicies('files: own folder read');
      await db.exec(`create policy "files: uploader insert (unsafe)" on storage.objects for insert to authenticated
        with check (bucket_id = 'files' and owner_id = (select logto.user_id()))`);
      await upload(await mintedClaims(alice), `${bob}/planted.txt`);
      expect(await list(await mintedClaims(bob))).toEqual([`${bob}/planted.txt`]);
    });
  });

  describe("the README's migration to UUID subjects", () => {
    it('maps objects uploaded with Logto ids to UUIDs, after which owner = auth.uid() policies see them', async () => {
      await usePolicies('files: own folder insert');
      await db.exec(`create policy "files: owner read" on storage.objects for select to authenticated using (owner = (select auth.uid()))`);
      const [aliceBefore, bobBefore] = await Promise.all([mintedClaims(alice), mintedClaims(bob)]);
      await upload(aliceBefore, `${alice}/before.txt`);
      await upload(bobBefore, `${bob}/before.txt`);
      await upload(serviceRole, 'system/report.pdf');
      const aliceAfter = await mintedClaims(alice, { subject: 'uuid' });
      await upload(aliceAfter, `${alice}/after.txt`);
      expect(await list(aliceAfter)).toEqual([`${alice}/after.txt`]);

      await db.exec(readmeSql("**Moving to `subject: 'uuid'` later.**"));

      expect(await list(aliceAfter)).toEqual([`${alice}/after.txt`, `${alice}/before.txt`]);
      expect(await list(await mintedClaims(bob, { subject: 'uuid' }))).toEqual([`${bob}/before.txt`]);
      expect(await db.query(`select owner_id from storage.objects where name = 'system/report.pdf'`)).toEqual([{ owner_id: null }]);
      const posts = await db.query(`select distinct user_id, owner_uuid::text from public.posts where user_id = $1`, [alice]);
      expect(posts).toEqual([{ user_id: alice, owner_uuid: await logtoUserUuid(alice) }]);
      await db.exec('alter table public.posts drop column owner_uuid');
    });
  });

  describe('the SQL follows uuid-ossp wherever it lives', () => {
    it("into schema extensions, as on Supabase, when the extension is (re)installed there", async () => {
      await db.exec('drop extension if exists "uuid-ossp"; create schema if not exists extensions;');
      await expect(db.query(`select logto.uuid_of('x')`)).rejects.toThrow();
      await db.exec(logtoSql);
      const [row] = await db.query(`select e.extnamespace::regnamespace::text as schema, logto.uuid_of($1)::text as uuid from pg_extension e where e.extname = 'uuid-ossp'`, [
        alice,
      ]);
      expect(row).toEqual({ schema: 'extensions', uuid: await logtoUserUuid(alice) });
    });
  });
});

describe('the README shows the shipped policies', () => {
  it('its Storage block is, statement for statement, the own-folder policies of the SQL', () => {
    const shown = readmeSql('## Storage').split(/;\s*/).filter((statement) => statement.trim() !== '');
    expect(shown.map(normalize)).toEqual(ownFolder.map((name) => normalize(policies.get(name)!.replace(/;$/, ''))));
  });
});

describe('the SQL without uuid-ossp available', () => {
  it('fails with a message saying what to run', async () => {
    const bare = await PGlite.create();
    try {
      await expect(bare.exec(logtoSql)).rejects.toThrowError(
        'logto-supabase: logto.uuid_of() needs the "uuid-ossp" extension, which could not be created (extension "uuid-ossp" is not available). ' +
          'Run as a superuser: create extension if not exists "uuid-ossp"; (Supabase: Database → Extensions → uuid-ossp; ' +
          'PGlite: load @electric-sql/pglite/contrib/uuid_ossp; Debian: apt install postgresql-contrib), then run this SQL again.',
      );
    } finally {
      await bare.close();
    }
  });

  it('installs once the extension is loaded, twice over (idempotent)', async () => {
    const db = await PGlite.create({ extensions: { uuid_ossp } });
    try {
      await db.exec('create role anon; create role authenticated; create role service_role;');
      await db.exec(logtoSql);
      await db.exec(logtoSql);
      expect((await db.query<{ uuid: string }>(`select logto.uuid_of($1)::text as uuid`, [alice])).rows).toEqual([{ uuid: await logtoUserUuid(alice) }]);
    } finally {
      await db.close();
    }
  });
});
