/**
 * createLogtoUserSync against a real Postgres (PGlite; also PostgreSQL when TEST_DATABASE_URL is
 * set) behind the local Supabase stand-in, through the service-role client and the SQL the
 * package ships. Deliveries come late, twice and out of order, as Logto sends them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalSupabase, type LocalSupabase } from '../../examples/local-stack/src/supabase.js';
import { users } from '../../examples/local-stack/src/fixtures.js';
import { LogtoSupabaseConfigError, createUserSupabaseClient } from '../../src/index.js';
import { createLogtoUserSync, logtoUserRow, type LogtoUserFields, type LogtoWebhookEvent } from '../../src/webhooks/index.js';
import {
  customDataUpdated,
  logtoUser,
  membershipUpdated,
  postRegister,
  userCreated,
  userDataUpdated,
  userDeleted,
  userSuspended,
} from '../helpers/webhooks.js';

const databases = [
  { name: 'PGlite', databaseUrl: undefined },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', databaseUrl: process.env.TEST_DATABASE_URL }] : []),
];

const asEvent = (payload: object) => payload as LogtoWebhookEvent;
const t0 = Date.parse('2026-06-01T10:00:00.000Z');
const at = (seconds: number) => t0 + seconds * 1000;
const iso = (seconds: number) => new Date(at(seconds)).toISOString();

describe.each(databases)('user sync on $name', ({ databaseUrl }) => {
  let supabase: LocalSupabase;
  const serviceRole = () => ({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey });
  const rowOf = async (id: string, table = 'public.logto_users') =>
    (await supabase.db.query(`select * from ${table} where id = $1`, [id]))[0];

  beforeAll(async () => {
    supabase = await startLocalSupabase({ databaseUrl });
    await supabase.db.exec(`
      create table public.profiles (id text primary key, email text, plan text, updated_at timestamptz not null, deleted_at timestamptz);
      grant select, insert, update, delete on public.profiles to service_role;`);
  }, 60_000);
  afterAll(() => supabase?.stop());
  beforeEach(() => supabase.db.exec('truncate public.logto_users, public.profiles, logto.deleted_users'));

  describe('create → update → delete', () => {
    it('writes the row, updates it, deletes it', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const v1 = logtoUser('u1create0001', at(0), { customData: { plan: 'free' } });
      await expect(sync.handle(asEvent(userCreated(v1)))).resolves.toEqual({ action: 'upserted', userId: v1.id, written: 1 });
      expect(await rowOf(v1.id)).toMatchObject({
        username: v1.username,
        primary_email: v1.primaryEmail,
        custom_data: { plan: 'free' },
        is_suspended: false,
        has_password: true,
        deleted_at: null,
      });
      expect((await rowOf(v1.id))!.updated_at).toEqual(new Date(at(0)));

      const v2 = { ...v1, name: 'Renamed', primaryEmail: 'new@example.com', updatedAt: at(10) };
      await sync.handle(asEvent(userDataUpdated(v2)));
      expect(await rowOf(v1.id)).toMatchObject({ name: 'Renamed', primary_email: 'new@example.com', updated_at: new Date(at(10)) });

      const v3 = { ...v2, isSuspended: true, updatedAt: at(20) };
      await sync.handle(asEvent(userSuspended(v3)));
      expect(await rowOf(v1.id)).toMatchObject({ is_suspended: true });

      await expect(sync.handle(asEvent(userDeleted(v3)))).resolves.toEqual({ action: 'deleted', userId: v1.id, written: 1 });
      expect(await rowOf(v1.id)).toBeUndefined();
    });

    it('PostRegister upserts the user it carries in `user`', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1register01', at(0));
      await expect(sync.handle(asEvent(postRegister(user)))).resolves.toMatchObject({ action: 'upserted', written: 1 });
      expect(await rowOf(user.id)).toMatchObject({ username: user.username });
    });
  });

  describe('lost, late, duplicated and reordered deliveries', () => {
    it('an update delivered before its create: the update stays', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const created = logtoUser('u1reorder001', at(0), { name: 'First' });
      const updated = { ...created, name: 'Second', updatedAt: at(5) };
      await sync.handle(asEvent(userDataUpdated(updated)));
      await expect(sync.handle(asEvent(userCreated(created)))).resolves.toMatchObject({ written: 0 });
      expect(await rowOf(created.id)).toMatchObject({ name: 'Second', updated_at: new Date(at(5)) });
    });

    it('an old update after a new one: the new one stays', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1oldafter01', at(0));
      await sync.handle(asEvent(userCreated(user)));
      await sync.handle(asEvent(userDataUpdated({ ...user, name: 'Newest', updatedAt: at(30) })));
      await expect(sync.handle(asEvent(userDataUpdated({ ...user, name: 'Older', updatedAt: at(20) })))).resolves.toMatchObject({ written: 0 });
      expect(await rowOf(user.id)).toMatchObject({ name: 'Newest' });
    });

    it('a duplicate delivery changes nothing', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1duplicat01', at(0), { name: 'Once' });
      const event = asEvent(userCreated(user));
      await sync.handle(event);
      const before = await rowOf(user.id);
      await sync.handle(event);
      expect(await rowOf(user.id)).toEqual(before);
      expect(await supabase.db.query('select count(*)::int as n from public.logto_users')).toEqual([{ n: 1 }]);
    });

    it('an update delivered after the delete does not bring the user back', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1zombie0001', at(0));
      await sync.handle(asEvent(userCreated(user)));
      await sync.handle(asEvent(userDeleted({ ...user, updatedAt: at(5) })));
      await expect(sync.handle(asEvent(userDataUpdated({ ...user, name: 'Late', updatedAt: at(4) })))).resolves.toMatchObject({ written: 0 });
      await expect(sync.handle(asEvent(customDataUpdated(user.id, { late: true }, iso(6))))).resolves.toMatchObject({ written: 0 });
      expect(await rowOf(user.id)).toBeUndefined();
    });

    it('a delete delivered before the create: the user never appears', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1deletefst1', at(0));
      await expect(sync.handle(asEvent(userDeleted(user)))).resolves.toEqual({ action: 'deleted', userId: user.id, written: 0 });
      await sync.handle(asEvent(userCreated(user)));
      expect(await rowOf(user.id)).toBeUndefined();
    });

    it("onDelete: 'mark' keeps the row with deleted_at, and a late update does not clear it", async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole(), onDelete: 'mark' });
      const user = logtoUser('u1marked0001', at(0));
      await sync.handle(asEvent(userCreated(user)));
      await expect(sync.handle(asEvent(userDeleted(user)))).resolves.toMatchObject({ written: 1 });
      await sync.handle(asEvent(userDataUpdated({ ...user, name: 'Late', updatedAt: at(9) })));
      const row = await rowOf(user.id);
      expect(row).toMatchObject({ name: user.name });
      expect(row!.deleted_at).toBeInstanceOf(Date);
    });
  });

  describe('partial data', () => {
    it('a custom-data-only update writes custom_data and keeps every other column', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1custom0001', at(0), { customData: { plan: 'free' }, name: 'Kept' });
      await sync.handle(asEvent(userCreated(user)));
      const before = await rowOf(user.id);
      await expect(sync.handle(asEvent(customDataUpdated(user.id, { plan: 'pro' }, iso(60))))).resolves.toMatchObject({ written: 1 });
      const after = await rowOf(user.id);
      expect(after).toEqual({ ...before, custom_data: { plan: 'pro' }, updated_at: new Date(at(60)) });
    });

    it('a custom-data-only update older than the row, or for an unknown user, writes nothing', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      const user = logtoUser('u1custom0002', at(100), { customData: { plan: 'team' } });
      await sync.handle(asEvent(userCreated(user)));
      await expect(sync.handle(asEvent(customDataUpdated(user.id, { plan: 'old' }, iso(50))))).resolves.toMatchObject({ written: 0 });
      expect(await rowOf(user.id)).toMatchObject({ custom_data: { plan: 'team' } });
      await expect(sync.handle(asEvent(customDataUpdated('u1nobody0001', { plan: 'pro' }, iso(200))))).resolves.toMatchObject({ written: 0 });
      expect(await rowOf('u1nobody0001')).toBeUndefined();
    });
  });

  describe('your own table and columns', () => {
    const toRow = (user: LogtoUserFields) => ({ email: user.primaryEmail, plan: user.customData?.plan });

    it('writes toRow columns into `table`; a custom-data-only update touches only what it derives', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole(), table: 'profiles', toRow });
      const user = logtoUser('u1profile001', at(0), { customData: { plan: 'free' } });
      await sync.handle(asEvent(userCreated(user)));
      expect(await rowOf(user.id, 'public.profiles')).toMatchObject({ email: user.primaryEmail, plan: 'free' });
      await sync.handle(asEvent(customDataUpdated(user.id, { plan: 'pro' }, iso(30))));
      expect(await rowOf(user.id, 'public.profiles')).toMatchObject({ email: user.primaryEmail, plan: 'pro' });
      await sync.handle(asEvent(userDeleted(user)));
      expect(await rowOf(user.id, 'public.profiles')).toBeUndefined();
    });

    it('logtoUserRow gives the default columns to extend', () => {
      const user = logtoUser('u1columns001', at(0));
      expect(logtoUserRow(user)).toMatchObject({ username: user.username, created_at: new Date(at(-1)).toISOString() });
      expect(logtoUserRow({ id: user.id, customData: { a: 1 } })).toMatchObject({ custom_data: { a: 1 }, username: undefined });
    });
  });

  describe('other events', () => {
    it('are ignored unless `on` has a handler, which then runs', async () => {
      const seen: string[] = [];
      const sync = createLogtoUserSync({
        supabase: serviceRole(),
        on: { 'Organization.Membership.Updated': (event) => void seen.push(...(event.addedUserIds ?? [])) },
      });
      const event = asEvent(membershipUpdated('org0acme0000000000001', [users.alice.id]));
      await expect(sync.handle(event)).resolves.toEqual({ action: 'ignored', written: 0 });
      expect(seen).toEqual([users.alice.id]);
      await expect(sync.handle(asEvent({ event: 'Role.Created', createdAt: iso(0), hookId: 'h', data: {} }))).resolves.toEqual({ action: 'ignored', written: 0 });
    });

    it('a User.Created without a user is invalid_payload (400)', async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      await expect(sync.handle(asEvent({ event: 'User.Created', createdAt: iso(0), hookId: 'h', data: { name: 'x' } }))).rejects.toMatchObject({
        code: 'invalid_payload',
        status: 400,
      });
    });
  });

  describe('RLS on public.logto_users', () => {
    beforeEach(async () => {
      const sync = createLogtoUserSync({ supabase: serviceRole() });
      for (const { id } of [users.alice, users.bob]) await sync.handle(asEvent(userCreated(logtoUser(id, at(0)))));
    });

    it('alice reads her row and not bob’s (over the Data API, with a minted JWT)', async () => {
      const client = createUserSupabaseClient(users.alice.id, { url: supabase.url, anonKey: supabase.anonKey, jwtSecret: supabase.jwtSecret });
      const { data, error } = await client.from('logto_users').select('id, username');
      expect(error).toBeNull();
      expect(data).toEqual([{ id: users.alice.id, username: `user_${users.alice.id}` }]);
      const { data: bob } = await client.from('logto_users').select('id').eq('id', users.bob.id);
      expect(bob).toEqual([]);
    });

    it('a user cannot write rows or call the sync functions; anon reads nothing', async () => {
      const claims = { role: 'authenticated', sub: users.alice.id };
      await expect(supabase.db.asClaims(claims, `update public.logto_users set name = 'x'`)).rejects.toMatchObject({ code: '42501' });
      await expect(
        supabase.db.asClaims(claims, `select public.logto_upsert_users('public.logto_users', '[{"id":"x","updated_at":"2030-01-01"}]')`),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(supabase.db.asClaims({ role: 'anon' }, 'select * from public.logto_users')).rejects.toMatchObject({ code: '42501' });
    });
  });

  describe('configuration', () => {
    it('refuses a bad table, toRow, onDelete, or a key that is not the service role', () => {
      const cases: [object, string][] = [
        [{ table: 'users; drop table x' }, 'table'],
        [{ toRow: 'columns' }, 'toRow'],
        [{ onDelete: 'soft' }, 'onDelete'],
        [{ supabase: { url: supabase.url, serviceRoleKey: supabase.anonKey } }, 'supabase.serviceRoleKey'],
      ];
      for (const [options, option] of cases) {
        expect(() => createLogtoUserSync({ supabase: serviceRole(), ...options } as never)).toThrow(LogtoSupabaseConfigError);
        expect(() => createLogtoUserSync({ supabase: serviceRole(), ...options } as never)).toThrow(new RegExp(`^${option.replace('.', '\\.')}:`));
      }
    });
  });
});
