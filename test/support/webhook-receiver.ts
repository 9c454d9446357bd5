// A loopback receiver for Vigil's signed webhooks: verifies them as a real receiver should, and records them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackServer } from '../../cli/stack/loopback-http';
import { verifyVigilWebhook } from '../../activities/notify/webhook';

/** One delivery as received: headers, the exact body bytes, and whether it verified. */
export interface ReceivedWebhook {
  at: number;
  headers: Record<string, string>;
  rawBody: string;
  json: Record<string, unknown> | null;
  verified: boolean;
  status: number;
}

/** A scripted answer: a status, with Retry-After for a 429, an optional body text, and how long to hold it back. */
export interface WebhookReceiverFailure {
  status: number;
  retryAfterSeconds?: number;
  body?: string;
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  failNext(count: number, failure: WebhookReceiverFailure): void;
  close(): Promise<void>;
}

/** Starts a receiver that answers 401 to anything not signed with `secret`, else 204 (or a scripted failure). */
export async function startWebhookReceiver(opts: { secret: string }): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const failures: Array<WebhookReceiverFailure & { left: number }> = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const verified = verifyVigilWebhook(opts.secret, headers['x-vigil-timestamp'] ?? '', rawBody, headers['x-vigil-signature'] ?? '', Date.now());
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      json = null;
    }
    const answer = (status: number, text = '', extra: Record<string, string> = {}) => {
      received.push({ at: Date.now(), headers, rawBody, json, verified, status });
      res.writeHead(status, { 'content-type': 'text/plain', ...extra });
      res.end(text);
    };
    if (!verified) return answer(401, 'bad signature');
    const f = failures[0];
    if (f) {
      if (--f.left <= 0) failures.shift();
      if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      return answer(f.status, f.body ?? `scripted HTTP ${f.status}`, f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {});
    }
    answer(204);
  }

  const { port, close } = await startLoopbackServer(handle);
  return {
    url: `http://127.0.0.1:${port}/hooks/vigil`,
    received,
    failNext(count, failure) {
      failures.push({ ...failure, left: count });
    },
    close,
  };
}
