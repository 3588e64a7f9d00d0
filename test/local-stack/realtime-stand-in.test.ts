/**
 * The Supabase stand-in's Realtime websocket, driven by supabase-js itself: joins need a valid
 * JWT, joins and token updates are recorded, broadcasts are relayed. It stands in for Realtime's
 * authentication, not its RLS filtering.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { signSupabaseJwt } from 'logto-supabase';
import { createBrowserSupabaseClient } from 'logto-supabase/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalSupabase, users, type LocalSupabase } from '../../examples/local-stack/src/index.js';

let supabase: LocalSupabase;
const clients: SupabaseClient[] = [];

beforeAll(async () => {
  supabase = await startLocalSupabase();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.removeAllChannels()));
  await supabase?.stop();
});

/** A client whose bearer is whatever `token()` gives now (the browser client forwards it as is in third-party mode). */
async function clientWith(token: () => Promise<string>): Promise<SupabaseClient> {
  const client = createBrowserSupabaseClient({
    url: supabase.url,
    anonKey: supabase.anonKey,
    mode: 'third-party',
    getAccessToken: token,
    clientOptions: { realtime: { transport: WebSocket as never, heartbeatIntervalMs: 200 } },
  });
  clients.push(client);
  // supabase-js hands Realtime the token a moment after construction; a channel joined before that joins with the apikey.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return client;
}

const mint = (subject: string, expiresIn = 3600) =>
  signSupabaseJwt(subject, { url: supabase.url, anonKey: supabase.anonKey, jwtSecret: supabase.jwtSecret, jwt: { expiresIn } });

function subscribe(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => {
    channel.subscribe((status, error) => {
      if (status !== 'SUBSCRIBED' && status !== 'CHANNEL_ERROR' && status !== 'TIMED_OUT') return;
      resolve(error ? `${status}: ${error.message}` : status);
    });
  });
}

describe('Realtime stand-in', () => {
  it('accepts a join with a valid JWT and records who joined', async () => {
    const jwt = await mint(users.alice.id);
    const status = await subscribe((await clientWith(async () => jwt)).channel('room-a'));
    expect(status).toBe('SUBSCRIBED');
    expect(supabase.realtime.joins.filter((join) => join.topic === 'realtime:room-a')).toEqual([
      expect.objectContaining({ ok: true, sub: users.alice.id, role: 'authenticated' }),
    ]);
  });

  it('refuses a join whose JWT does not verify', async () => {
    const forged = (await mint(users.alice.id)).replace(/\.[^.]+$/, '.c2lnbmF0dXJl');
    const status = await subscribe((await clientWith(async () => forged)).channel('room-b'));
    expect(status).toMatch(/^CHANNEL_ERROR: Invalid JWT/);
    expect(supabase.realtime.joins.filter((join) => join.topic === 'realtime:room-b')).toEqual([
      expect.objectContaining({ ok: false }),
    ]);
  });

  it('records the renewed token supabase-js pushes to a joined channel', async () => {
    let jwt = await mint(users.alice.id);
    const client = await clientWith(async () => jwt);
    expect(await subscribe(client.channel('room-c'))).toBe('SUBSCRIBED');
    const renewed = await mint(users.alice.id, 1800);
    jwt = renewed;
    // supabase-js asks for the token again on every heartbeat and pushes it when it changed.
    await expect.poll(() => supabase.realtime.accessTokenUpdates.filter((update) => update.topic === 'realtime:room-c')).toEqual([
      expect.objectContaining({ ok: true, sub: users.alice.id, exp: expect.any(Number) }),
    ]);
  });

  it('relays broadcasts to the other members of the channel', async () => {
    const [alice, bob] = await Promise.all([mint(users.alice.id), mint(users.bob.id)]);
    const received: unknown[] = [];
    const listener = (await clientWith(async () => bob))
      .channel('room-d')
      .on('broadcast', { event: 'hello' }, ({ payload }) => received.push(payload));
    const sender = (await clientWith(async () => alice)).channel('room-d');
    expect(await Promise.all([subscribe(listener), subscribe(sender)])).toEqual(['SUBSCRIBED', 'SUBSCRIBED']);
    await sender.send({ type: 'broadcast', event: 'hello', payload: { from: 'alice' } });
    await expect.poll(() => received).toEqual([{ from: 'alice' }]);
  });

  it('the anon key (a legacy JWT) joins as anon', async () => {
    const client = await clientWith(async () => supabase.anonKey);
    expect(await subscribe(client.channel('room-e'))).toBe('SUBSCRIBED');
    expect(supabase.realtime.joins.filter((join) => join.topic === 'realtime:room-e')).toEqual([
      expect.objectContaining({ ok: true, role: 'anon' }),
    ]);
  });

  it('refuses a websocket without a valid apikey', async () => {
    const socket = new WebSocket(`${supabase.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=wrong&vsn=2.0.0`);
    const failure = await new Promise<string>((resolve) => socket.once('error', (error) => resolve(error.message)));
    expect(failure).toMatch(/401/);
  });
});
