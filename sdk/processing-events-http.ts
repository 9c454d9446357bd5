// One POST of a batch to /v1/processing-events, classified the way every Vigil sender classifies:
// 2xx accepted; 429, 5xx and network errors retryable (Retry-After read); other 4xx final. The token
// never appears in a message, and only the path is shown, so URL credentials cannot leak either.
import { z } from 'zod';
import type { ProcessingEvent } from '../domain/compliance/event';
import { parseRetryAfter } from '../domain/retry-after';
import { TransportError } from './errors';
import type { FieldIssue } from './processing-events-errors';
import { postWithBearer, reasonFor, tokenRedactor } from './transports/bearer-post';
import type { FetchLike } from './transports/http';

/** The API's verdict on one event. */
export interface ProcessingEventResult {
  id: string;
  overall_compliant: boolean;
  violated_rules: string[];
}

/** What one POST came to: the per-event results (undefined when the 2xx answer was unreadable), or why not. */
export type PostOutcome = { ok: true; results: ProcessingEventResult[] | undefined } | { ok: false; error: TransportError; issues: FieldIssue[] };

const acceptedSchema = z.object({
  results: z.array(z.object({ id: z.string(), overall_compliant: z.boolean(), violated_rules: z.array(z.string()) })),
});
const refusedSchema = z.object({ message: z.string().optional(), issues: z.array(z.object({ field: z.string(), message: z.string() })).optional() });

const PATH = '/v1/processing-events';

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Makes the function that posts one batch; `now` dates an HTTP-date Retry-After. */
export function createEventPoster(o: { baseUrl: string; token: string; fetch: FetchLike; timeoutMs: number; now: () => number }): (events: readonly ProcessingEvent[]) => Promise<PostOutcome> {
  const endpoint = `${o.baseUrl.replace(/\/+$/, '')}${PATH}`;
  const redact = tokenRedactor(o.token);
  return async (events) => {
    let res: Awaited<ReturnType<FetchLike>>;
    let text: string;
    try {
      ({ res, text } = await postWithBearer({ fetch: o.fetch, endpoint, shown: PATH, token: o.token, timeoutMs: o.timeoutMs, body: { events } }));
    } catch (e) {
      if (e instanceof TransportError) return { ok: false, error: e, issues: [] };
      throw e;
    }
    const body = readJson(text);
    if (res.ok) {
      const accepted = acceptedSchema.safeParse(body);
      if (accepted.success && accepted.data.results.length === events.length) return { ok: true, results: accepted.data.results };
      // The API took the batch (a retry would record it twice), but we cannot say what it found.
      return { ok: true, results: undefined };
    }
    const refused = refusedSchema.safeParse(body);
    const issues = refused.success ? (refused.data.issues ?? []) : [];
    const said = refused.success && refused.data.message ? refused.data.message : text.trim().slice(0, 200);
    const listed = issues.slice(0, 5).map((i) => `${i.field}: ${i.message}`);
    const detail = [said, ...listed].filter((x) => x !== '').join('; ');
    const reason = reasonFor(res.status);
    const retryAfterMs = reason === 'rate_limited' || reason === 'server' ? parseRetryAfter(res.headers.get('retry-after'), o.now()) : undefined;
    const error = new TransportError(reason, redact(`POST ${PATH} answered ${res.status}${detail ? `: ${detail}` : ''}`), { status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    return { ok: false, error, issues };
  };
}
