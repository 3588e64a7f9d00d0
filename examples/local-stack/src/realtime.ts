/**
 * A minimal stand-in for Supabase Realtime's websocket (`/realtime/v1/websocket`, the Phoenix
 * protocol vsn 2.0.0 that supabase-js speaks). It stands in for Realtime's AUTHENTICATION only:
 * a channel join needs a valid JWT in `access_token` (verified like the REST part; without one,
 * the connection's `apikey`, as Realtime does: a legacy anon key joins as anon), every join and
 * every `access_token` update is recorded, and broadcast messages are relayed to the channel's
 * other members. It does NOT filter by RLS (no Postgres changes, no private-channel policies)
 * and has no presence.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Claims } from './database.js';

/** A join or an `access_token` update, as the stand-in saw it. */
export interface RealtimeAuthEvent {
  topic: string;
  /** Whether the JWT was accepted. */
  ok: boolean;
  /** `sub`, `role` and `exp` of an accepted JWT. */
  sub?: string;
  role?: string;
  exp?: number;
  /** Why a JWT was refused. */
  reason?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface LocalRealtime {
  /** Every `phx_join`, accepted or refused. */
  joins: RealtimeAuthEvent[];
  /** Every `access_token` message a joined channel sent (supabase-js sends one when the token changes). */
  accessTokenUpdates: RealtimeAuthEvent[];
  close(): void;
}

type Message = [joinRef: string | null, ref: string | null, topic: string, event: string, payload: Record<string, unknown>];

const websocketPath = '/realtime/v1/websocket';

/** `[kind 3][joinRef, ref, topic, event, metadata lengths][encoding] strings… payload`: realtime-js' binary broadcast push. */
function decodeBroadcastPush(data: Buffer): { topic: string; event: string; payload: unknown } | undefined {
  if (data[0] !== 3) return undefined;
  const lengths = [...data.subarray(1, 6)];
  const encoding = data[6];
  let offset = 7;
  const [, , topic = '', event = ''] = lengths.map((length) => {
    const text = data.subarray(offset, offset + length).toString('utf8');
    offset += length;
    return text;
  });
  const body = data.subarray(offset);
  return { topic, event, payload: encoding === 1 ? JSON.parse(body.toString('utf8')) : body.toString('base64') };
}

/**
 * Serves the Realtime websocket on `server`. `apiKeyRole` checks the `apikey` query parameter
 * (the gateway's check); `verifyJwt` is the REST part's verification.
 */
export function attachRealtime(
  server: Server,
  apiKeyRole: (apikey: string | null) => unknown,
  verifyJwt: (token: string) => Promise<Claims>,
): LocalRealtime {
  const wss = new WebSocketServer({ noServer: true });
  const joins: RealtimeAuthEvent[] = [];
  const accessTokenUpdates: RealtimeAuthEvent[] = [];
  /** topic → sockets joined to it, with whether they want their own broadcasts back. */
  const members = new Map<string, Map<WebSocket, { self: boolean; joinRef: string | null }>>();

  const authEvent = async (topic: string, token: unknown): Promise<RealtimeAuthEvent> => {
    const at = Date.now();
    if (typeof token !== 'string' || token === '') return { topic, ok: false, reason: 'access_token is required', at };
    try {
      const claims = await verifyJwt(token);
      return { topic, ok: true, sub: claims.sub as string, role: claims.role as string, exp: claims.exp as number, at };
    } catch (error) {
      return { topic, ok: false, reason: error instanceof Error ? error.message : String(error), at };
    }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== websocketPath || !apiKeyRole(url.searchParams.get('apikey'))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, url.searchParams.get('apikey')!));
  });

  function serve(ws: WebSocket, apikey: string): void {
    const send = (message: Message) => ws.send(JSON.stringify(message));
    const reply = ([joinRef, ref, topic]: Message, status: 'ok' | 'error', response: Record<string, unknown> = {}) =>
      send([joinRef, ref, topic, 'phx_reply', { status, response }]);
    const relay = (sender: WebSocket, topic: string, payload: Record<string, unknown>) => {
      for (const [member, { self, joinRef }] of members.get(topic) ?? []) {
        if (member !== sender || self) member.send(JSON.stringify([joinRef, null, topic, 'broadcast', payload]));
      }
    };

    const handle = async (message: Message) => {
      const [joinRef, , topic, event, payload] = message;
      switch (event) {
        case 'heartbeat':
          return reply(message, 'ok');
        case 'phx_join': {
          const joined = await authEvent(topic, payload.access_token ?? apikey);
          joins.push(joined);
          if (!joined.ok) return reply(message, 'error', { reason: `Invalid JWT: ${joined.reason}` });
          const config = (payload.config ?? {}) as { broadcast?: { self?: boolean } };
          if (!members.has(topic)) members.set(topic, new Map());
          members.get(topic)!.set(ws, { self: config.broadcast?.self === true, joinRef });
          return reply(message, 'ok', { postgres_changes: [] });
        }
        case 'access_token': {
          const update = await authEvent(topic, payload.access_token);
          accessTokenUpdates.push(update);
          if (update.ok) return undefined;
          // Realtime closes a channel whose new token it refuses.
          members.get(topic)?.delete(ws);
          return send([joinRef, null, topic, 'phx_close', {}]);
        }
        case 'broadcast':
          if (!members.get(topic)?.has(ws)) return reply(message, 'error', { reason: 'join the channel first' });
          relay(ws, topic, payload);
          return reply(message, 'ok');
        case 'phx_leave':
          members.get(topic)?.delete(ws);
          return reply(message, 'ok');
        default:
          return reply(message, 'error', { reason: `unsupported event ${event}` });
      }
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        const push = decodeBroadcastPush(buffer);
        if (push && members.get(push.topic)?.has(ws)) relay(ws, push.topic, { type: 'broadcast', event: push.event, payload: push.payload });
        return;
      }
      void handle(JSON.parse(buffer.toString('utf8')) as Message);
    });
    ws.on('close', () => {
      for (const sockets of members.values()) sockets.delete(ws);
    });
  }

  return {
    joins,
    accessTokenUpdates,
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
