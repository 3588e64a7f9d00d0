import type { SupabaseClient } from '@supabase/supabase-js';
import type { LogtoAuth } from '../core/auth.js';
import { showInLogsAs } from '../core/redact.js';
import { createUserSupabaseClient } from './clients.js';
import type { SupabaseOptions } from './options.js';

/** Clients kept per bridge: a token's requests share one (about 7.5 KB each), least recently used go first. */
const maxUserClients = 1000;

/**
 * One user client per Logto token: a SPA sends the same token for up to an hour, and making a
 * supabase-js client costs more than verifying a cached token. Its JWT is re-minted as it ages.
 * Logged or serialized, a client shows `summarize(auth)`: it is circular and holds its key.
 */
export class UserClientCache {
  private readonly clients = new Map<string, SupabaseClient>();

  constructor(
    private readonly supabase: SupabaseOptions,
    private readonly summarize: (auth: LogtoAuth) => object,
  ) {}

  /** The client already made for this token, if any (it becomes the most recently used). */
  made(auth: LogtoAuth): SupabaseClient | undefined {
    const client = this.clients.get(auth.token);
    if (client) {
      this.clients.delete(auth.token);
      this.clients.set(auth.token, client);
    }
    return client;
  }

  get(auth: LogtoAuth): SupabaseClient {
    let client = this.made(auth);
    if (!client) {
      const summary = this.summarize(auth);
      client = showInLogsAs(createUserSupabaseClient(auth, this.supabase), () => summary);
      if (this.clients.size >= maxUserClients) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(auth.token, client);
    }
    return client;
  }
}
