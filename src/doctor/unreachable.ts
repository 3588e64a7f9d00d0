/** The first `code` in an error's `cause` chain (undici puts the socket's there, sometimes in an AggregateError). */
function causeCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = causeCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const tlsCodes = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_|EPROTO$)/;

/**
 * Why a request got no answer, in words: refused, DNS, TLS or timeout, from the fetch error's
 * cause code. Never the error message itself, which may quote the URL's credentials.
 */
export function unreachableReason(error: unknown, url: string, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`;
  const host = hostOf(url);
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return `connection refused: nothing listens at ${host}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return `DNS: ${host.replace(/:\d+$/, '')} could not be resolved`;
  if (code !== undefined && tlsCodes.test(code)) return `TLS: the certificate of ${host} is not trusted here (${code})`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `the connection to ${host} was closed (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `no route to ${host} (${code})`;
  return code === undefined ? 'unreachable' : `unreachable (${code})`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}
