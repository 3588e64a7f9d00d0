import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../examples/local-stack/src/fixtures.js';
import { startLocalSupabase, type LocalSupabase } from '../../examples/local-stack/src/supabase.js';
import { createUserSupabaseClient, supabaseErrorReply } from '../../src/index.js';
import { closedPort } from '../helpers/assertions.js';

describe('supabaseErrorReply answers what a client can act on, and never the database message', () => {
  it.each([
    ['42501', 403, 'forbidden'],
    ['PGRST116', 404, 'not_found'],
    ['23505', 409, 'conflict'],
    ['23502', 400, 'invalid_request'],
    ['22P02', 400, 'invalid_request'],
    ['PGRST100', 400, 'invalid_request'],
    ['PGRST002', 503, 'temporarily_unavailable'],
    ['53300', 503, 'temporarily_unavailable'],
    ['PGRST301', 500, 'server_error'],
    ['42P01', 500, 'server_error'],
    ['XX000', 500, 'server_error'],
  ])('code %s → %i %s', (code, status, error) => {
    const reply = supabaseErrorReply({ code, message: 'new row violates row-level security policy for table "posts"' });
    expect(reply.status).toBe(status);
    expect(reply.body.error).toBe(error);
    expect(JSON.stringify(reply)).not.toMatch(/posts|row-level|policy/);
  });

  it('a bad value gives a server error, not a crash', () => {
    expect(supabaseErrorReply(null as never).status).toBe(500);
    expect(supabaseErrorReply({ code: 42 as never }).status).toBe(500);
  });

  describe('with real supabase-js errors', () => {
    let supabase: LocalSupabase;
    beforeAll(async () => {
      supabase = await startLocalSupabase({ databaseUrl: process.env.TEST_DATABASE_URL });
    });
    afterAll(() => supabase?.stop());

    const alice = () =>
      createUserSupabaseClient(users.alice.id, { url: supabase.url, anonKey: supabase.anonKey, jwtSecret: supabase.jwtSecret });

    it("Row-Level Security refusing a write (alice writes bob's post) is 403 forbidden", async () => {
      const { error } = await alice().from('posts').insert({ title: 'forged', user_id: users.bob.id });
      expect(error?.code).toBe('42501');
      expect(supabaseErrorReply(error!)).toEqual({
        status: 403,
        body: { error: 'forbidden', error_description: 'You are not allowed to do this.' },
      });
    });

    it('.single() on no row is 404 not_found', async () => {
      const { error } = await alice().from('posts').select('id').eq('id', -1).single();
      expect(supabaseErrorReply(error!).status).toBe(404);
    });

    it('Supabase down is 503 temporarily_unavailable, with no address in the body', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const client = createUserSupabaseClient(users.alice.id, { url, anonKey: supabase.anonKey, jwtSecret: supabase.jwtSecret });
      const { error } = await client.from('posts').select('id');
      const reply = supabaseErrorReply(error!);
      expect(reply.status).toBe(503);
      expect(reply.body.error).toBe('temporarily_unavailable');
      expect(JSON.stringify(reply)).not.toContain('127.0.0.1');
    });
  });
});
