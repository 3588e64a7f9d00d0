/**
 * Logto's key set in a file, for long-running Node processes that restart (or several processes
 * on one machine): the key set survives a restart. One file per JWKS URI.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { JwksCache } from 'logto-supabase';

export const fileJwksCache = (path: string): JwksCache => ({
  // No file yet is a miss; a file that is not JSON is reported to the logger and is a miss too.
  get: () => readFile(path, 'utf8').then((text) => JSON.parse(text), () => undefined),
  set: async (_uri, jwks) => {
    // Written aside, then renamed: another process never reads half a file.
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(jwks));
    await rename(temporary, path);
  },
});
