import { configError } from './errors.js';

/**
 * Where the library reports what operators need to see: JWKS failures with their cause, key sets
 * loaded and rotations learnt, refusals during the unknown-key cooldown, the start-up configuration.
 * `console`, pino and winston fit as they are. Each call is one self-contained message (every fact
 * inlined, so a logger that drops extra arguments, as pino does, loses nothing), plus `{ cause }`
 * when an error caused it. Never a token, a secret or a claim value. Nothing is logged without one.
 *
 * @example
 * const verify = createLogtoVerifier({ endpoint: 'https://tenant.logto.app', audience: 'https://api.example.com', logger: console });
 */
export interface LogtoSupabaseLogger {
  /** A failure operators must act on (a cold JWKS outage), with its cause. */
  error?(message: string, details?: { cause: unknown }): void;
  /** Something degraded but served (a failed refresh, a refused unknown key), with its cause if any. */
  warn?(message: string, details?: { cause: unknown }): void;
  /** The start-up configuration, key sets loaded and rotations learnt. */
  info?(message: string): void;
  /** Details for debugging. */
  debug?(message: string): void;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Reports one message; a throwing logger never fails a request. */
export type Log = (level: LogLevel, message: string, cause?: unknown) => void;

/** Checks the `logger` option once and returns how to call it (a no-op without one). */
export function resolveLogger(option: string, logger: unknown): Log {
  if (logger === undefined) return () => undefined;
  if (typeof logger !== 'object' || logger === null) throw configError(option, 'must be an object with warn/error/info/debug methods, e.g. console or a pino logger.');
  const target = logger as Record<LogLevel, unknown>;
  return (level, message, cause) => {
    const method = target[level];
    if (typeof method !== 'function') return;
    try {
      // Called as a method: pino's methods need their `this`.
      method.call(target, `logto-supabase: ${message}`, ...(cause === undefined ? [] : [{ cause }]));
    } catch {
      // The operator's logger failing is not the request's problem.
    }
  };
}
