/**
 * A local stand-in for Supabase's API gateway + PostgREST, in front of a real Postgres
 * (see database.ts). It honours the parts of the contract the samples use: API keys, JWT
 * verification, role switching with `request.jwt.claims`, and the `/rest/v1` table and RPC
 * routes supabase-js calls, CORS for browsers, and a Realtime websocket that stands in for
 * Realtime's authentication (JWT on join and on every token update) and broadcast, not for its
 * RLS filtering (see realtime.ts). For local development and tests, not a Supabase replacement.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  compactVerify,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JWK,
} from 'jose';
import { attachRealtime, type LocalRealtime } from './realtime.js';
import { isRequestRole, openDatabase, type Claims, type LocalDatabase, type Queryable, type RequestRole } from './database.js';

export type { Claims, LocalDatabase } from './database.js';
export type { LocalRealtime, RealtimeAuthEvent } from './realtime.js';

export interface LocalSupabaseOptions {
  /** A PostgreSQL connection string; without it an embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** The legacy HS256 JWT secret (default: a fixed 40-character development secret). */
  jwtSecret?: string;
  /** Private JWKs (ES256/RS256, with `kid` and `alg`) whose public parts are trusted, like imported signing keys. */
  signingKeys?: JWK[];
  /** Supabase third-party auth: trust this issuer's asymmetric tokens (they must carry a `role` claim). */
  thirdParty?: { issuer: string; jwksUri: string };
  /** Port on 127.0.0.1 (default 0: a free port). */
  port?: number;
  /** Leeway for exp/nbf/iat, as PostgREST's 30 s. */
  clockSkewSeconds?: number;
}

export interface LocalSupabase {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  /** The public parts of `signingKeys`, as served at `/auth/v1/.well-known/jwks.json`. */
  jwks: { keys: JWK[] };
  db: LocalDatabase;
  /** The Realtime websocket's record of channel joins and access-token updates (authentication only, no RLS). */
  realtime: LocalRealtime;
  /** Restores the seed data. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const defaultJwtSecret = 'local-stack-dev-jwt-secret-0123456789abc';

// Fixed times keep the legacy API keys stable for a given secret (as Supabase's CLI demo keys are).
const apiKeyIssuedAt = 1_700_000_000;
const apiKeyExpiresAt = 4_102_444_800; // 2100-01-01

const asymmetricAlgorithms = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512'];
const publicJwkMembers = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg'];

const jsonType = 'application/json; charset=utf-8';

const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PATCH, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers':
    'authorization, apikey, content-type, accept, accept-profile, content-profile, prefer, range, x-client-info, x-retry-count, traceparent, tracestate, baggage',
  'Access-Control-Expose-Headers': 'content-range',
  'Access-Control-Max-Age': '600',
};
const singleObjectType = 'application/vnd.pgrst.object+json';

/** An HTTP error response: status, JSON body and extra headers. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

const pgrst = (status: number, code: string, message: string, hint: string | null = null, details: string | null = null) =>
  new HttpError(status, { code, details, hint, message });

const invalidToken = (code: 'PGRST301' | 'PGRST303', message: string) =>
  new HttpError(
    401,
    { code, details: null, hint: null, message },
    { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message.replaceAll('"', "'")}"` },
  );

const invalidApiKey = new HttpError(401, {
  message: 'Invalid API key',
  hint: 'Double check your Supabase `anon` or `service_role` API key.',
});

/** A response; a body is JSON unless its headers say otherwise. */
interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export async function startLocalSupabase(options: LocalSupabaseOptions = {}): Promise<LocalSupabase> {
  const jwtSecret = options.jwtSecret ?? defaultJwtSecret;
  const secret = new TextEncoder().encode(jwtSecret);
  const skew = options.clockSkewSeconds ?? 30;

  const legacyKey = (role: string) =>
    new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('supabase-demo')
      .setIssuedAt(apiKeyIssuedAt)
      .setExpirationTime(apiKeyExpiresAt)
      .sign(secret);
  const anonKey = await legacyKey('anon');
  const serviceRoleKey = await legacyKey('service_role');
  const publishableKey = `sb_publishable_${randomBytes(16).toString('base64url')}`;
  const secretKey = `sb_secret_${randomBytes(16).toString('base64url')}`;
  const apiKeys = new Map<string, Claims>([
    [anonKey, decodeJwt(anonKey)],
    [serviceRoleKey, decodeJwt(serviceRoleKey)],
    [publishableKey, { role: 'anon' }],
    [secretKey, { role: 'service_role' }],
  ]);

  const trustedKeys = await Promise.all(
    (options.signingKeys ?? []).map(async (jwk) => {
      if (!jwk.kid || !jwk.alg || !asymmetricAlgorithms.includes(jwk.alg)) {
        throw new Error('signingKeys must be asymmetric private JWKs with kid and alg');
      }
      const publicJwk: JWK = {
        ...Object.fromEntries(Object.entries(jwk).filter(([member]) => publicJwkMembers.includes(member))),
        use: 'sig',
      };
      return { kid: jwk.kid, alg: jwk.alg, publicJwk, key: await importJWK(publicJwk, jwk.alg) };
    }),
  );
  const jwks = { keys: trustedKeys.map((k) => k.publicJwk) };
  const thirdParty = options.thirdParty && {
    issuer: options.thirdParty.issuer,
    keys: createRemoteJWKSet(new URL(options.thirdParty.jwksUri)),
  };

  /** Verifies the signature with the key PostgREST / Supabase would pick; returns the claims. */
  async function verifySignature(token: string): Promise<Claims> {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    if (thirdParty && claims.iss === thirdParty.issuer) {
      await compactVerify(token, thirdParty.keys, { algorithms: asymmetricAlgorithms });
      if (typeof claims.role !== 'string') throw new Error('Third-party tokens must carry a role claim');
      return claims;
    }
    if (header.alg === 'HS256') {
      await compactVerify(token, secret, { algorithms: ['HS256'] });
      return claims;
    }
    // With a kid only that key is tried (PostgREST 13+); without one, every key of that alg.
    const candidates = trustedKeys.filter((k) => (header.kid === undefined ? k.alg === header.alg : k.kid === header.kid));
    let failure: unknown = new Error('No suitable key or wrong key type');
    for (const { key, alg } of candidates) {
      try {
        await compactVerify(token, key, { algorithms: [alg] });
        return claims;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  async function verifyJwt(token: string): Promise<Claims> {
    const claims = await verifySignature(token).catch((error: unknown) => {
      throw invalidToken('PGRST301', error instanceof Error ? error.message : 'Invalid JWT');
    });
    const now = Math.floor(Date.now() / 1000);
    const time = (name: 'exp' | 'nbf' | 'iat') => {
      const value = claims[name];
      if (value !== undefined && typeof value !== 'number') throw invalidToken('PGRST303', `The JWT '${name}' claim must be a number`);
      return value;
    };
    const exp = time('exp');
    const nbf = time('nbf');
    const iat = time('iat');
    if (exp !== undefined && now - skew >= exp) throw invalidToken('PGRST303', 'JWT expired');
    if (nbf !== undefined && now + skew < nbf) throw invalidToken('PGRST303', 'JWT not yet valid');
    if (iat !== undefined && now + skew < iat) throw invalidToken('PGRST303', 'JWT issued at future');
    return claims;
  }

  /** The gateway's apikey check, then the claims of the Bearer token (or of the API key without one). */
  async function requestClaims(req: IncomingMessage): Promise<Claims> {
    const apikey = req.headers.apikey;
    const keyClaims = typeof apikey === 'string' ? apiKeys.get(apikey) : undefined;
    if (!keyClaims) throw invalidApiKey;
    const authorization = req.headers.authorization;
    if (authorization === undefined) return keyClaims;
    const token = /^Bearer (\S+)$/i.exec(authorization)?.[1];
    if (token === undefined) throw invalidToken('PGRST301', 'Expected a Bearer token in the Authorization header');
    if (token.startsWith('sb_')) {
      if (token === apikey) return keyClaims;
      throw invalidToken('PGRST301', 'An sb_ API key is accepted as a Bearer token only when it equals the apikey header');
    }
    return verifyJwt(token);
  }

  const db = await openDatabase({ databaseUrl: options.databaseUrl });

  async function handle(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/auth/v1/.well-known/jwks.json') {
      return { status: 200, body: JSON.stringify(jwks) };
    }
    if (!url.pathname.startsWith('/rest/v1/')) throw new HttpError(404, { message: 'no Route matched with those values' });
    const claims = await requestClaims(req);
    const role = claims.role ?? 'anon';
    if (!isRequestRole(role)) {
      throw pgrst(401, '22023', `role "${String(role)}" is not allowed`, 'Use anon, authenticated or service_role.');
    }
    const profile = req.headers['accept-profile'] ?? req.headers['content-profile'];
    if (profile !== undefined && profile !== 'public') {
      throw pgrst(406, 'PGRST106', 'The schema must be one of the following: public', 'Only the following schemas are exposed: public');
    }
    const payload = await readJson(req);
    try {
      return await db.withClaims(claims, (tx) => rest(tx, req, url, payload));
    } catch (error) {
      throw isPgError(error) ? pgErrorResponse(error, role) : error;
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Supabase's gateway answers browsers from any origin; the SPA sample calls it directly.
    for (const [name, value] of Object.entries(corsHeaders)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    void handle(req)
      .catch(errorReply)
      .then(({ status, body, headers }) => {
        res.writeHead(status, body === undefined ? headers : { 'Content-Type': jsonType, ...headers });
        res.end(body);
      });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const realtime = attachRealtime(server, (apikey) => apikey !== null && apiKeys.has(apikey), verifyJwt);

  return {
    url: `http://127.0.0.1:${port}`,
    anonKey,
    serviceRoleKey,
    publishableKey,
    secretKey,
    jwtSecret,
    jwks,
    db,
    realtime,
    reset: () => db.seed(),
    async stop() {
      realtime.close();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await db.close();
    },
  };
}

/** An HttpError as it is; anything else (a bug in the stand-in) as a 500. */
function errorReply(error: unknown): Reply {
  const { status, body, headers } =
    error instanceof HttpError ? error : new HttpError(500, { message: error instanceof Error ? error.message : String(error) });
  return { status, body: JSON.stringify(body), headers };
}

// ---------------------------------------------------------------------------------------------
// PostgREST: /rest/v1/<table> and /rest/v1/rpc/<function> in schema public

type Bind = (value: unknown) => string;

const reservedParams = new Set(['select', 'order', 'limit', 'offset', 'columns']);
const comparisons = new Map([
  ['eq', '='],
  ['neq', '<>'],
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
]);
const isValues = new Map([
  ['null', 'null'],
  ['true', 'true'],
  ['false', 'false'],
  ['unknown', 'unknown'],
]);
const orderModifiers = new Map([
  ['asc', 'asc'],
  ['desc', 'desc'],
  ['nullsfirst', 'nulls first'],
  ['nullslast', 'nulls last'],
]);

const parseError = (message: string) => pgrst(400, 'PGRST100', message);
const invalidBody = () => pgrst(400, 'PGRST102', 'Empty or invalid json');

/** A double-quoted identifier, after refusing anything but plain names: nothing else reaches SQL. */
function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw parseError(`"${name}" is not a valid identifier`);
  return `"${name}"`;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw parseError(`"${path}" is not a valid path`);
  }
}

const unquote = (value: string) => (/^".*"$/s.test(value) ? value.slice(1, -1) : value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

async function rest(tx: Queryable, req: IncomingMessage, url: URL, payload: unknown): Promise<Reply> {
  const params: unknown[] = [];
  const bind: Bind = (value) => `$${params.push(value)}`;
  const path = decodePath(url.pathname.slice('/rest/v1/'.length));
  const search = url.searchParams;
  const singular = (req.headers.accept ?? '').includes(singleObjectType);
  const prefer = String(req.headers.prefer ?? ''); // several Prefer headers arrive joined
  const representation = /\breturn=representation\b/.test(prefer);
  const method = req.method ?? 'GET';

  if (path.startsWith('rpc/')) {
    if (method !== 'POST' && method !== 'GET') throw pgrst(405, 'PGRST101', 'Only GET and POST are allowed for functions');
    const args = method === 'GET' ? Object.fromEntries(search) : (payload ?? {});
    if (!isObject(args)) throw invalidBody();
    return rpc(tx, path.slice('rpc/'.length), args);
  }

  const table = `public.${ident(path)}`;
  const where = () => whereClause(search, bind);
  const columns = selectList(search.get('select'));
  const rowsAs = (statement: string) => `with _t as (${statement} returning ${columns}) ${aggregate('_t')}`;
  const mutation = async (statement: string, status: number, minimalStatus: number): Promise<Reply> => {
    if (!representation && !singular) {
      await tx.query(statement, params);
      return { status: minimalStatus };
    }
    return { status, ...(await jsonRows(tx, rowsAs(statement), params, singular)) };
  };

  switch (method) {
    case 'GET':
    case 'HEAD': {
      const query = `select ${columns} from ${table}${where()}${orderBy(search.get('order'))}${pagination('limit', search)}${pagination('offset', search)}`;
      return { status: 200, ...(await jsonRows(tx, aggregate(`(${query}) as _t`), params, singular)) };
    }
    case 'POST':
      if (/\bresolution=/.test(prefer)) throw pgrst(501, 'PGRST127', 'Upserts are not supported by the local stand-in');
      return mutation(insertStatement(table, payload, search.get('columns'), bind), 201, 201);
    case 'PATCH':
      return mutation(`${updateStatement(table, payload, bind)}${where()}`, 200, 204);
    case 'DELETE':
      return mutation(`delete from ${table}${where()}`, 200, 204);
    default:
      throw pgrst(405, 'PGRST101', `Method ${method} is not supported`);
  }
}

/** Aggregates rows to a JSON array in Postgres, as PostgREST does (bigint stays exact). */
const aggregate = (from: string) =>
  `select count(*)::int as n, coalesce(json_agg(_t), '[]')::text as body, (json_agg(_t) -> 0)::text as first from ${from}`;

async function jsonRows(tx: Queryable, sql: string, params: unknown[], singular: boolean) {
  const [result] = await tx.query<{ n: number; body: string; first: string | null }>(sql, params);
  if (!result) throw new Error('aggregate returned no row');
  if (!singular) return { body: result.body };
  // Throwing inside the transaction rolls a mutation back, as PostgREST does.
  if (result.n !== 1) {
    throw pgrst(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', null, `The result contains ${result.n} rows`);
  }
  return { body: result.first ?? 'null', headers: { 'Content-Type': `${singleObjectType}; charset=utf-8` } };
}

function selectList(select: string | null): string {
  if (select === null || select === '') return '*';
  return select
    .split(',')
    .map((column) => (column === '*' ? '*' : ident(unquote(column))))
    .join(', ');
}

function whereClause(search: URLSearchParams, bind: Bind): string {
  const conditions = [...search]
    .filter(([name]) => !reservedParams.has(name))
    .map(([name, filter]) => condition(ident(name), filter, bind));
  return conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '';
}

/** `[not.]op.operand` → SQL with the operand bound as a parameter. */
function condition(column: string, filter: string, bind: Bind): string {
  const negated = filter.startsWith('not.');
  const expression = negated ? filter.slice('not.'.length) : filter;
  const dot = expression.indexOf('.');
  const operator = dot === -1 ? expression : expression.slice(0, dot);
  const operand = dot === -1 ? '' : expression.slice(dot + 1);
  let sql: string;
  const comparison = comparisons.get(operator);
  if (comparison) {
    sql = `${column} ${comparison} ${bind(operand)}`;
  } else if (operator === 'is' && isValues.has(operand.toLowerCase())) {
    sql = `${column} is ${isValues.get(operand.toLowerCase())}`;
  } else if (operator === 'in' && /^\(.*\)$/s.test(operand)) {
    const items = operand.slice(1, -1).match(/"(?:[^"\\]|\\.)*"|[^,]+/g) ?? [];
    sql = items.length > 0 ? `${column} in (${items.map((item) => bind(unquote(item))).join(', ')})` : 'false';
  } else {
    throw parseError(`"${filter}" is not a supported filter`);
  }
  return negated ? `not (${sql})` : sql;
}

function orderBy(order: string | null): string {
  if (order === null) return '';
  const terms = order.split(',').map((term) => {
    const [column = '', ...modifiers] = term.split('.');
    const sqlModifiers = modifiers.map((modifier) => {
      const sql = orderModifiers.get(modifier);
      if (sql === undefined) throw parseError(`"${term}" is not a valid order`);
      return sql;
    });
    return [ident(column), ...sqlModifiers].join(' ');
  });
  return ` order by ${terms.join(', ')}`;
}

function pagination(name: 'limit' | 'offset', search: URLSearchParams): string {
  const value = search.get(name);
  if (value === null) return '';
  if (!/^\d+$/.test(value)) throw parseError(`"${name}" must be a non-negative integer`);
  return ` ${name} ${value}`;
}

/** Missing keys become null (supabase-js' default `defaultToNull`); `columns=` (sent for arrays) picks the columns. */
function insertStatement(table: string, payload: unknown, columnsParam: string | null, bind: Bind): string {
  const rows = Array.isArray(payload) ? payload : [payload];
  if (!rows.every(isObject)) throw invalidBody();
  const columns = columnsParam ? columnsParam.split(',').map(unquote) : [...new Set(rows.flatMap(Object.keys))];
  const list = columns.map(ident).join(', ');
  // With no columns, `insert … select from …` fills every column with its default, one row per object.
  return `insert into ${table}${list ? ` (${list})` : ''} select ${list} from json_populate_recordset(null::${table}, ${bind(JSON.stringify(rows))}::json)`;
}

function updateStatement(table: string, payload: unknown, bind: Bind): string {
  if (!isObject(payload) || Object.keys(payload).length === 0) throw invalidBody();
  const source = `json_populate_record(null::${table}, ${bind(JSON.stringify(payload))}::json)`;
  const sets = Object.keys(payload).map((column) => `${ident(column)} = (select ${ident(column)} from ${source})`);
  return `update ${table} set ${sets.join(', ')}`;
}

/** Calls public.<fn> with named arguments; the result is shaped like PostgREST's (scalar, object or array). */
async function rpc(tx: Queryable, name: string, args: Record<string, unknown>): Promise<Reply> {
  const fn = `public.${ident(name)}`;
  const [shape] = await tx.query<{ returns_set: boolean; returns_rows: boolean; returns_void: boolean }>(
    `select p.proretset as returns_set,
            (t.typtype = 'c' or p.prorettype = 'record'::regtype) as returns_rows,
            p.prorettype = 'void'::regtype as returns_void
       from pg_catalog.pg_proc p
       join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       join pg_catalog.pg_type t on t.oid = p.prorettype
      where n.nspname = 'public' and p.proname = $1
      limit 1`,
    [name],
  );
  if (!shape) throw pgrst(404, 'PGRST202', `Could not find the function public.${name} in the schema cache`);
  const params: unknown[] = [];
  const argList = Object.entries(args)
    .map(([arg, value]) => `${ident(arg)} => $${params.push(typeof value === 'object' && value !== null ? JSON.stringify(value) : value)}`)
    .join(', ');
  const call = `${fn}(${argList})`;
  if (shape.returns_void) {
    await tx.query(`select ${call}`, params);
    return { status: 204 };
  }
  const sql = !shape.returns_set
    ? `select to_json(${call})::text as body`
    : shape.returns_rows
      ? `select coalesce(json_agg(_t), '[]')::text as body from ${call} as _t`
      : `select coalesce(json_agg(_t.v), '[]')::text as body from ${call} as _t(v)`;
  const [result] = await tx.query<{ body: string | null }>(sql, params);
  return { status: 200, body: result?.body ?? 'null' };
}

// ---------------------------------------------------------------------------------------------
// Request bodies and Postgres errors

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidBody();
  }
}

interface PgError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

// Both pg's DatabaseError and PGlite's errors carry the server's fields.
const isPgError = (error: unknown): error is PgError =>
  error instanceof Error && 'severity' in error && typeof (error as Partial<PgError>).code === 'string';

// PostgREST's SQLSTATE → HTTP status table (first match wins; anything else is 400).
const statusBySqlstate: [RegExp, number][] = [
  [/^(23503|23505)$/, 409],
  [/^25006$/, 405],
  [/^(42883|42P01)$/, 404],
  [/^P0001$/, 400],
  [/^28/, 403],
  [/^53/, 503],
  [/^54/, 413],
  [/^(25|2D|38|39|3B|40|55|57|58|F0|HV|P0|XX)/, 500],
];

function pgErrorResponse(error: PgError, role: RequestRole): HttpError {
  const status =
    error.code === '42501'
      ? role === 'anon'
        ? 401
        : 403
      : (statusBySqlstate.find(([pattern]) => pattern.test(error.code))?.[1] ?? 400);
  return new HttpError(status, { code: error.code, details: error.detail ?? null, hint: error.hint ?? null, message: error.message });
}
