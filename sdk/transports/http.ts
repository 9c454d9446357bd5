// POST <url>/v1/metrics with `Authorization: Bearer <token>` and `{ windows: WindowSummary[] }`.
// 2xx: delivered. 429 and 5xx (and network errors, timeouts): retryable, 429/503 honour Retry-After.
// Other 4xx: not retried (a bad token or body will not get better). The token never appears in errors.
import type { WindowSummary } from '../../domain/window-summary';
import { TransportError } from '../errors';
import { postWithBearer, reasonFor, tokenRedactor } from './bearer-post';
import type { Transport } from '../transport';
import { checkWindowText } from './window-text';
import { parseRetryAfter } from '../../domain/retry-after';

/** The slice of fetch the transport uses (global fetch fits; tests pass a fake). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

/** Where the Vigil API is and how to authenticate. */
export interface HttpTransportOptions {
  /** Base URL of the Vigil API, e.g. https://vigil.example.com. */
  url: string;
  /** API token, sent as a bearer token. */
  token: string;
  fetchImpl?: FetchLike;
  /** Per request. */
  timeoutMs?: number;
  /** Windows per POST (after an outage the backlog goes out in a few requests). */
  maxBatch?: number;
}

// Userinfo in the URL is a credential too; the message shows only where the request went.
function displayUrl(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '[invalid url]';
  }
}

/** Sends windows to the Vigil HTTP API. */
export function createHttpTransport(o: HttpTransportOptions): Transport {
  const endpoint = `${o.url.replace(/\/+$/, '')}/v1/metrics`;
  const shown = displayUrl(endpoint);
  const fetchImpl: FetchLike = o.fetchImpl ?? ((url, init) => fetch(url, init));
  const timeoutMs = o.timeoutMs ?? 5_000;
  const redact = tokenRedactor(o.token);
  return {
    maxBatch: o.maxBatch ?? 20,
    async send(windows: readonly WindowSummary[]): Promise<void> {
      checkWindowText(windows);
      const { res, text: body } = await postWithBearer({ fetch: fetchImpl, endpoint, shown, token: o.token, timeoutMs, body: { windows } });
      if (res.ok) return;
      const reason = reasonFor(res.status);
      const retryAfterMs = reason === 'rate_limited' || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
      const detail = body.trim() === '' ? '' : `: ${redact(body.trim().slice(0, 200))}`;
      throw new TransportError(reason, `POST ${shown} answered ${res.status}${detail}`, { status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    },
  };
}
