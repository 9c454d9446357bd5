// A loopback server speaking the Slack Web API subset Vigil uses: the demo's stand-in for Slack and the tests' fake.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer } from './loopback-http';

/** One Web API call the fake received, as the handler saw it. */
export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** HTTP status the fake answered with, and the Slack error if `ok` was false. */
  status: number;
  error?: string;
  /** The message's ts, for posts and edits that succeeded. */
  ts?: string;
}

/** A scripted failure: an HTTP status (e.g. 500, or 429 with Retry-After) or a Slack `ok:false` error. */
export interface FakeSlackFailure {
  status?: number;
  retryAfterSeconds?: number;
  error?: string;
  /** Only calls to this method consume the failure (Bolt also calls auth.test). */
  method?: string;
}

export interface FakeSlack {
  /** Base URL for WebClient's `slackApiUrl`, ending in `/api/`. */
  url: string;
  calls: FakeSlackCall[];
  callsTo(method: string): FakeSlackCall[];
  failNext(count: number, failure: FakeSlackFailure): void;
  close(): Promise<void>;
}

/** Form fields WebClient JSON-encodes because they are not scalars. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) args[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
  return args;
}

/**
 * Slack's documented posting limit: about one chat.postMessage per second per channel, short bursts
 * allowed, 429 with Retry-After beyond that. A token bucket per channel stands in for it.
 */
export interface FakeSlackRateLimit {
  perSecond: number;
  /** Posts allowed at once before the limit bites (default 3). */
  burst?: number;
}

/** Starts a loopback server speaking the Slack Web API subset Vigil uses. */
export async function startFakeSlack(opts: { token: string; rateLimit?: FakeSlackRateLimit }): Promise<FakeSlack> {
  const calls: FakeSlackCall[] = [];
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Seconds to wait when the channel's bucket is empty, or 0 when a post may go now (and takes a token). */
  function limited(channel: string): number {
    const limit = opts.rateLimit;
    if (!limit) return 0;
    const burst = limit.burst ?? 3;
    const now = Date.now();
    const b = buckets.get(channel) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    buckets.set(channel, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond));
  }
  const failures: Array<FakeSlackFailure & { left: number }> = [];
  const posted = new Map<string, Set<string>>();
  let seq = 100;
  const nextTs = () => `1700000000.${String(seq++).padStart(6, '0')}`;

  function answer(method: string, args: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    switch (method) {
      case 'auth.test':
        return { status: 200, body: { ok: true, url: 'https://fake.slack.test/', team: 'Fake', user: 'vigil', team_id: 'T0FAKE', user_id: 'U0VIGIL', bot_id: 'B0VIGIL' } };
      case 'chat.postMessage': {
        if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const ts = nextTs();
        posted.set(channel, (posted.get(channel) ?? new Set()).add(ts));
        const message = { type: 'message', user: 'U0VIGIL', bot_id: 'B0VIGIL', ts, text: args.text, blocks: args.blocks, thread_ts: args.thread_ts };
        return { status: 200, body: { ok: true, channel, ts, message } };
      }
      case 'chat.update': {
        const ts = typeof args.ts === 'string' ? args.ts : '';
        if (!posted.get(channel)?.has(ts)) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        return { status: 200, body: { ok: true, channel, ts, text: args.text, message: { type: 'message', user: 'U0VIGIL', text: args.text, blocks: args.blocks } } };
      }
      case 'chat.postEphemeral':
        if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        if (typeof args.user !== 'string') return { status: 200, body: { ok: false, error: 'user_not_in_channel' } };
        return { status: 200, body: { ok: true, message_ts: nextTs() } };
      default:
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  }

  function takeFailure(method: string): FakeSlackFailure | undefined {
    const i = failures.findIndex((f) => f.method === undefined || f.method === method);
    const f = failures[i];
    if (!f) return undefined;
    if (--f.left <= 0) failures.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = parseArgs(await readBody(req), req.headers['content-type'] ?? '');
    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const ts = body.ok === true && typeof body.ts === 'string' ? { ts: body.ts } : {};
      calls.push({ method, args, at: Date.now(), status, ...(body.ok === false ? { error: String(body.error) } : {}), ...ts });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(200, { ok: false, error: 'invalid_auth' });
    if (method === 'chat.postMessage' && typeof args.channel === 'string') {
      const wait = limited(args.channel);
      if (wait > 0) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
    }
    const failure = takeFailure(method);
    if (failure?.status !== undefined) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
      return send(failure.status, { ok: false, error: failure.error ?? `http_${failure.status}` }, headers);
    }
    if (failure?.error !== undefined) return send(200, { ok: false, error: failure.error });
    const { status, body } = answer(method, args);
    send(status, body);
  }

  const { port, close } = await startLoopbackServer(handle);
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext: (count, failure) => void failures.push({ ...failure, left: count }),
    close,
  };
}

/** The headers Slack adds to every request it sends an app: v0 HMAC-SHA256 over `v0:<ts>:<body>`. */
export function signSlackRequest(signingSecret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}

/** The url-encoded `payload=` form body Slack sends when someone clicks a message button. */
export function blockActionsBody(o: { actionId: string; value: string; userId: string; userName: string; channelId: string; responseUrl?: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: o.userId, username: o.userName, name: o.userName, team_id: 'T0FAKE' },
    api_app_id: 'A0VIGIL',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: o.channelId, is_ephemeral: false },
    trigger_id: '1700000000.1.abcdef',
    team: { id: 'T0FAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channelId, name: 'incidents' },
    message: { type: 'message', user: 'U0VIGIL', ts: '1700000000.000100', text: 'incident' },
    response_url: o.responseUrl ?? 'https://hooks.slack.test/actions/T0FAKE/1/abc',
    actions: [
      { type: 'button', action_id: o.actionId, block_id: 'vigil', value: o.value, text: { type: 'plain_text', text: 'Button' }, action_ts: '1700000001.000200' },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
