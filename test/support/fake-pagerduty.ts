// A loopback server speaking the PagerDuty Events API v2 (POST /v2/enqueue), with scriptable failures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer } from '../../cli/stack/loopback-http';

/** One request the fake received, with what it answered. */
export interface FakePagerDutyRequest {
  at: number;
  /** The parsed event (or the raw text when it was not JSON). */
  event: Record<string, unknown>;
  status: number;
}

/** A scripted failure: a status (429 with Retry-After, 500, 400 with errors), optionally only for one dedup_key. */
export interface FakePagerDutyFailure {
  status: number;
  retryAfterSeconds?: number;
  errors?: string[];
  dedupKey?: string;
}

export interface FakePagerDuty {
  /** Base URL for the channel's `apiUrl` (the fake serves `/v2/enqueue` under it). */
  url: string;
  /** Every request, accepted or not, oldest first. */
  requests: FakePagerDutyRequest[];
  /** Requests for one dedup_key (and optionally one event_action). */
  requestsFor(dedupKey: string, action?: string): FakePagerDutyRequest[];
  failNext(count: number, failure: FakePagerDutyFailure): void;
  close(): Promise<void>;
}

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** The validation PagerDuty documents for an alert event: the 400 `errors` list, empty when valid. */
function problems(e: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) out.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (typeof e.event_action !== 'string' || !ACTIONS.has(e.event_action)) out.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) out.push("'dedup_key' must be a string of at most 255 characters");
  if (e.event_action !== 'trigger' && typeof e.dedup_key !== 'string') out.push("'dedup_key' is required for acknowledge and resolve events");
  if (e.event_action === 'trigger') {
    const p = (e.payload ?? {}) as Record<string, unknown>;
    if (typeof p.summary !== 'string' || p.summary.length === 0) out.push("'payload.summary' is missing or blank");
    else if (p.summary.length > 1024) out.push("'payload.summary' must be at most 1024 characters");
    if (typeof p.source !== 'string' || p.source.length === 0) out.push("'payload.source' is missing or blank");
    if (typeof p.severity !== 'string' || !SEVERITIES.has(p.severity)) out.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
  }
  return out;
}

/** Starts the fake on a random loopback port. */
export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const requests: FakePagerDutyRequest[] = [];
  const failures: Array<FakePagerDutyFailure & { left: number }> = [];

  function takeFailure(dedupKey: unknown): FakePagerDutyFailure | undefined {
    const i = failures.findIndex((f) => f.dedupKey === undefined || f.dedupKey === dedupKey);
    const f = failures[i];
    if (!f) return undefined;
    if (--f.left <= 0) failures.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      event = { raw };
    }
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ at: Date.now(), event, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v2/enqueue') return answer(404, { status: 'not found', message: 'Not Found' });
    const failure = takeFailure(event.dedup_key);
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      if (failure.status === 400) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors: failure.errors ?? ['scripted'] });
      if (failure.status === 429) return answer(429, undefined, headers);
      return answer(failure.status, { status: 'error', message: `scripted HTTP ${failure.status}` }, headers);
    }
    const errors = problems(event);
    if (errors.length > 0) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    // PagerDuty generates a key for a trigger without one; Vigil always sends its own.
    const dedupKey = typeof event.dedup_key === 'string' ? event.dedup_key : `generated-${requests.length}`;
    answer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }

  const { port, close } = await startLoopbackServer(handle);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (dedupKey, action) => requests.filter((r) => r.event.dedup_key === dedupKey && (action === undefined || r.event.event_action === action)),
    failNext(count, failure) {
      failures.push({ ...failure, left: count });
    },
    close,
  };
}
