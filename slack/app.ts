import { App, HTTPReceiver } from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackLoggerFrom, type PinoLike } from '../activities/notify/slack';
import { registerListeners, type ListenerDeps } from './index';

export interface SlackAppDeps extends ListenerDeps {
  signingSecret: string;
  token: string;
  /** Web API base URL ending in '/'; defaults to Slack's. Tests point it at a loopback fake. */
  apiUrl?: string;
  /** The bot's user and bot ids (from one auth.test at deploy time); when both are set Bolt skips auth.test on every click. */
  botUserId?: string;
  botId?: string;
  logger?: PinoLike;
}

/** A Bolt app with its HTTP receiver, ready to start; nothing listens or calls Slack until `start`. */
export interface SlackApp {
  app: App;
  receiver: HTTPReceiver;
  /** With `tls` (PEM cert chain and key) the endpoint serves HTTPS. */
  start(port: number, host?: string, tls?: { cert: string | Buffer; key: string | Buffer }): Promise<void>;
  stop(): Promise<void>;
  /** The port actually bound (useful with port 0), or null when stopped. */
  port(): number | null;
}

/**
 * Builds the Slack interactivity app. Bolt's HTTPReceiver verifies every request's v0 signature and
 * refuses timestamps older than 5 minutes with 401 before any listener runs, so listeners trust the body.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const logger = deps.logger ? slackLoggerFrom(deps.logger, [deps.token, deps.signingSecret]) : undefined;
  const receiver = new HTTPReceiver({ signingSecret: deps.signingSecret, endpoints: '/slack/events', ...(logger ? { logger } : {}) });
  const app = new App({
    receiver,
    token: deps.token,
    // No auth.test at construction, so the app starts offline; Bolt then calls it before each event instead
    // (uncached) unless both bot ids are given.
    tokenVerificationEnabled: false,
    ...(deps.botUserId && deps.botId ? { botUserId: deps.botUserId, botId: deps.botId } : {}),
    clientOptions: {
      slackApiUrl: deps.apiUrl ?? 'https://slack.com/api/',
      // Replies to clicks are best-effort and auth.test runs before ack(): fail fast, never wait out a rate limit.
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
      rejectRateLimitedCalls: true,
      timeout: 5000,
    },
    ...(logger ? { logger } : {}),
  });
  registerListeners(app, deps);
  let server: Server | null = null;
  return {
    app,
    receiver,
    async start(port, host, tls) {
      server = (await receiver.start({ port, ...(host ? { host } : {}) }, tls ? { cert: tls.cert, key: tls.key } : {})) as Server;
    },
    async stop() {
      if (!server) return;
      server = null;
      await receiver.stop();
    },
    port() {
      const address = server?.address();
      return address && typeof address === 'object' ? (address as AddressInfo).port : null;
    },
  };
}
