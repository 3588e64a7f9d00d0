import { configError } from '../core/errors.js';

/**
 * The namespace of the UUIDs this library derives from Logto ids, unless `supabase.jwt.uuidNamespace`
 * names another; `logto.uuid_of(text)` in the package's SQL has the same default. It is itself the
 * UUIDv5 of `https://www.npmjs.com/package/logto-supabase` in RFC 9562's URL namespace.
 */
export const defaultUuidNamespace = '226b2950-017c-54f8-9f1f-e2dbec0b3dae';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/**
 * The UUID (version 5, RFC 9562) of a Logto id: what minted JWTs carry as `sub` with
 * `supabase.jwt.subject: 'uuid'`, so `auth.uid()` and Storage's `owner` work. The SQL's
 * `logto.uuid_of(text)` gives the same UUID, so rows keyed either way can be joined.
 *
 * @param logtoSub a Logto user id (or, for a machine token, its client id)
 * @param namespace the namespace UUID, default the library's (`supabase.jwt.uuidNamespace` if you set one)
 * @throws {LogtoSupabaseConfigError} when `logtoSub` is empty (`option: 'logtoSub'`) or `namespace` is not a UUID (`option: 'namespace'`)
 * @example
 * import { logtoUserUuid } from 'logto-supabase';
 * const owner = await logtoUserUuid('x8cz2kbne6i5'); // the `owner` Storage writes for this user
 */
export async function logtoUserUuid(logtoSub: string, namespace: string = defaultUuidNamespace): Promise<string> {
  if (typeof logtoSub !== 'string' || logtoSub === '') throw configError('logtoSub', 'must be a non-empty Logto id.');
  if (!isUuid(namespace)) throw configError('namespace', 'must be a UUID (8-4-4-4-12 hexadecimal digits).');
  const name = new TextEncoder().encode(logtoSub);
  const input = new Uint8Array(16 + name.length);
  input.set(namespace.replaceAll('-', '').match(/../g)!.map((pair) => parseInt(pair, 16)));
  input.set(name, 16);
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  const digits = hex(bytes);
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
}
