import type { SupabaseClient } from '@supabase/supabase-js';
import type { LogtoAuth } from '../core/auth.js';
import { createUserSupabaseClient } from './clients.js';
import type { SupabaseOptions } from './options.js';

/** Clients kept per bridge: a token's requests share one (about 7.5 KB each), least recently used go first. */
const maxUserClients = 1000;

/**
 * One user client per Logto token: a SPA sends the same token for up to an hour, and making a
 * supabase-js client costs more than verifying a cached token. Its JWT is re-minted as it ages.
 */
export class UserClientCache {
  private readonly clients = new Map<string, SupabaseClient>();

  constructor(private readonly supabase: SupabaseOptions) {}

  get(auth: LogtoAuth): SupabaseClient {
    let client = this.clients.get(auth.token);
    if (client) {
      this.clients.delete(auth.token);
    } else {
      client = createUserSupabaseClient(auth, this.supabase);
      if (this.clients.size >= maxUserClients) this.clients.delete(this.clients.keys().next().value!);
    }
    this.clients.set(auth.token, client);
    return client;
  }
}
