/** What the SPA needs to know, served as /config.json by whoever serves the build (run.ts here). */
export interface SpaConfig {
  logtoEndpoint: string;
  /** The Logto "Single page app" application id. */
  appId: string;
  /** The API resource indicator: Logto issues JWT access tokens for it. */
  resource: string;
  supabaseUrl: string;
  supabaseAnonKey: string;
  /** The backend's `supabaseTokenHandler`, e.g. `http://localhost:3000/api/supabase-token`. */
  tokenEndpoint: string;
  /** Realtime heartbeat (supabase-js asks for a fresh token on every one); default 25 s. */
  realtimeHeartbeatMs?: number;
}

export async function loadConfig(): Promise<SpaConfig> {
  const response = await fetch('/config.json');
  if (!response.ok) throw new Error(`/config.json: HTTP ${response.status}`);
  return (await response.json()) as SpaConfig;
}
