/** Small helpers the suites share: a refused promise's or a throwing function's error, a frozen clock, a closed port. */
import { createServer } from 'node:net';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { LogtoAuthError } from '../../src/index.js';

/** The LogtoAuthError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejectionOf(promise: Promise<unknown>): Promise<LogtoAuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LogtoAuthError);
    return error as LogtoAuthError;
  }
  throw new Error('expected a rejection (the token was accepted)');
}

/** The LogtoAuthError a function throws; fails the test if it returns or throws something else. */
export function thrownBy(action: () => unknown): LogtoAuthError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(LogtoAuthError);
    return error as LogtoAuthError;
  }
  throw new Error('expected a LogtoAuthError');
}

/** Freezes `Date` (only) at `seconds` for every test of the calling file, so expiry edges are exact. */
export function freezeClockAt(seconds: number): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: seconds * 1000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A loopback port nothing listens on: a service that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
