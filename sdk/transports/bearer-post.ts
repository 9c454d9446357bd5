// What every SDK sender does on the wire: one JSON POST with a bearer token and a timeout, network
// failures as retryable TransportErrors, HTTP statuses sorted into reasons, the token kept out of messages.
import { TransportError, type TransportFailureReason } from '../errors';
import type { FetchLike } from './http';

/** How a refused answer is treated: auth and client errors are final, rate limits and server errors retryable. */
export function reasonFor(status: number): TransportFailureReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server' : 'client';
}

/** Replaces the token wherever it appears (a proxy may echo headers back in an error body). */
export function tokenRedactor(token: string): (text: string) => string {
  return (text) => (token.length >= 4 ? text.split(token).join('[redacted]') : text);
}

/** One POST: the answer and its body text (read either way, so the connection can be reused), or a `network` TransportError thrown. */
export async function postWithBearer(o: {
  fetch: FetchLike;
  endpoint: string;
  /** How the request is named in messages (never the raw URL: it may hold credentials). */
  shown: string;
  token: string;
  timeoutMs: number;
  body: unknown;
}): Promise<{ res: Awaited<ReturnType<FetchLike>>; text: string }> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await o.fetch(o.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      body: JSON.stringify(o.body),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (e) {
    const why = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError') ? `no answer within ${o.timeoutMs} ms` : tokenRedactor(o.token)(e instanceof Error ? e.message : String(e));
    throw new TransportError('network', `POST ${o.shown} failed: ${why}`);
  }
  return { res, text: await res.text().catch(() => '') };
}
