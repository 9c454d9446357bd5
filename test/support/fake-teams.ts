// A loopback stand-in for a Microsoft Teams incoming webhook (or a Workflows "webhook request received" trigger).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer } from '../../cli/stack/loopback-http';

/** One card the fake accepted or refused. */
export interface FakeTeamsPost {
  at: number;
  body: Record<string, unknown>;
  status: number;
  /** False for refusals and scripted failures (including a throttle reported in a 200's body). */
  accepted: boolean;
}

/**
 * A scripted failure: an HTTP status (with Retry-After for 429), or `throttledInBody`, which answers
 * 200 with the text legacy connectors use when they throttle ("... returned HTTP error 429 ...").
 */
export interface FakeTeamsFailure {
  status?: number;
  retryAfterSeconds?: number;
  throttledInBody?: boolean;
  /** Response text, e.g. an error page echoing the request URL. */
  text?: string;
}

export interface FakeTeams {
  /** The secret webhook URL (its path is the credential, as with Teams). */
  url: string;
  posts: FakeTeamsPost[];
  /** Adaptive Card contents of the accepted posts. */
  cards(): Array<Record<string, unknown>>;
  failNext(count: number, failure: FakeTeamsFailure): void;
  close(): Promise<void>;
}

/** Why Teams would refuse this message, or null: the envelope Teams documents for Adaptive Cards. */
function refusal(body: Record<string, unknown>): string | null {
  if (body.type !== 'message') return '"type" must be "message"';
  const attachments = body.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return '"attachments" must be a non-empty array';
  for (const a of attachments as Array<Record<string, unknown>>) {
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') return 'attachment contentType must be application/vnd.microsoft.card.adaptive';
    const content = a.content as Record<string, unknown> | undefined;
    if (content?.type !== 'AdaptiveCard' || typeof content.version !== 'string' || !Array.isArray(content.body)) {
      return 'attachment content must be an AdaptiveCard with a version and a body';
    }
  }
  return null;
}

/** Starts the fake; `flavour` picks the success answer: legacy webhooks say 200 "1", Workflows say 202. */
export async function startFakeTeams(opts: { flavour?: 'incoming-webhook' | 'workflows' } = {}): Promise<FakeTeams> {
  const posts: FakeTeamsPost[] = [];
  const failures: Array<FakeTeamsFailure & { left: number }> = [];
  const path = `/webhookb2/${randomBytes(8).toString('hex')}@tenant/IncomingWebhook/${randomBytes(16).toString('hex')}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = { raw };
    }
    const answer = (status: number, text: string, headers: Record<string, string> = {}, accepted = false) => {
      posts.push({ at: Date.now(), body, status, accepted });
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text);
    };
    if (req.method !== 'POST' || req.url !== path) return answer(404, 'Not Found');
    const f = failures[0];
    if (f) {
      if (--f.left <= 0) failures.shift();
      if (f.throttledInBody) return answer(200, 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=fake,cv=fake');
      const headers: Record<string, string> = f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {};
      return answer(f.status ?? 500, f.text ?? `scripted HTTP ${f.status ?? 500}`, headers);
    }
    const why = refusal(body);
    if (why) return answer(400, `Webhook message delivery failed with error: ${why}`);
    if (opts.flavour === 'workflows') return answer(202, '', {}, true);
    answer(200, '1', {}, true);
  }

  const { port, close } = await startLoopbackServer(handle);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    posts,
    cards: () =>
      posts
        .filter((p) => p.accepted)
        .map((p) => ((p.body.attachments as Array<Record<string, unknown>>)[0]!.content as Record<string, unknown>)),
    failNext(count, failure) {
      failures.push({ ...failure, left: count });
    },
    close,
  };
}
