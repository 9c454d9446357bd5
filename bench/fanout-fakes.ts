// The three loopback providers the fan-out benchmark sends to, and which incident each delivery was for.
import { parseConfig } from '../app/config-file';
import type { VigilConfig } from '../domain/config';
import { startFakePagerDuty, type FakePagerDuty } from '../test/support/fake-pagerduty';
import { startFakeSlack, type FakeSlack } from '../test/support/fake-slack';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhook-receiver';

/** The configured channel names, in the order the policy targets them. */
export const FANOUT_CHANNELS = ['hook', 'pd', 'slack'] as const;
export type FanoutChannel = (typeof FANOUT_CHANNELS)[number];

/** Slack's default limit is 1 message/s; at 1/s the fan-out would only measure that limit. */
export const SLACK_RATE_PER_SECOND = 1000;

const WEBHOOK_SECRET = 'bench-fanout-webhook-signing-secret';
/** PagerDuty refuses routing keys that are not exactly 32 characters. */
const PD_ROUTING_KEY = 'benchfanoutroutingkey0123456789a';
const SLACK_TOKEN = 'xoxb-bench-fanout';
const SLACK_CHANNEL_ID = 'C0BENCHFAN';

/** One successful delivery as the fake saw it: which incident (workflow ID), when (epoch ms), and the step when the payload says. */
export interface Arrival {
  workflowId: string;
  at: number;
  step?: string;
}

export interface Fakes {
  webhook: WebhookReceiver;
  pagerDuty: FakePagerDuty;
  slack: FakeSlack;
  /** Secrets and URLs as the worker reads them from its environment (workers/channels.ts). */
  workerEnv: NodeJS.ProcessEnv;
  /** Successful deliveries recorded since the last call, per channel (each call returns only new ones). */
  drain(): Record<FanoutChannel, Arrival[]>;
  /** Every accepted or refused request so far, per channel (for the sanity line in the output). */
  totals(): Record<FanoutChannel, { requests: number; refused: number }>;
  close(): Promise<void>;
}

/** Finds the first button value that is an incident workflow ID in Slack blocks (Acknowledge/Resolve carry it). */
export function workflowIdInBlocks(blocks: unknown): string | undefined {
  if (Array.isArray(blocks)) {
    for (const b of blocks) {
      const found = workflowIdInBlocks(b);
      if (found) return found;
    }
    return undefined;
  }
  if (blocks && typeof blocks === 'object') {
    const o = blocks as Record<string, unknown>;
    if (o.type === 'button' && typeof o.value === 'string' && o.value.startsWith('incident/')) return o.value;
    for (const v of Object.values(o)) {
      if (v && typeof v === 'object') {
        const found = workflowIdInBlocks(v);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** Starts the webhook receiver, fake PagerDuty and fake Slack on loopback ports. */
export async function startFakes(): Promise<Fakes> {
  const webhook = await startWebhookReceiver({ secret: WEBHOOK_SECRET });
  const pagerDuty = await startFakePagerDuty();
  const slack = await startFakeSlack({ token: SLACK_TOKEN });
  const cursor = { hook: 0, pd: 0, slack: 0 };
  return {
    webhook,
    pagerDuty,
    slack,
    workerEnv: {
      VIGIL_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PAGERDUTY_ROUTING_KEY: PD_ROUTING_KEY,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_API_URL: slack.url,
    },
    drain() {
      const out: Record<FanoutChannel, Arrival[]> = { hook: [], pd: [], slack: [] };
      for (; cursor.hook < webhook.received.length; cursor.hook++) {
        const r = webhook.received[cursor.hook]!;
        const incident = r.json?.incident as { workflowId?: unknown } | undefined;
        if (r.status >= 300 || typeof incident?.workflowId !== 'string') continue;
        out.hook.push({ workflowId: incident.workflowId, at: r.at, ...(typeof r.json?.step === 'string' ? { step: r.json.step } : {}) });
      }
      for (; cursor.pd < pagerDuty.requests.length; cursor.pd++) {
        const r = pagerDuty.requests[cursor.pd]!;
        if (r.status !== 202 || r.event.event_action !== 'trigger' || typeof r.event.dedup_key !== 'string') continue;
        out.pd.push({ workflowId: r.event.dedup_key, at: r.at });
      }
      for (; cursor.slack < slack.calls.length; cursor.slack++) {
        const c = slack.calls[cursor.slack]!;
        if (c.method !== 'chat.postMessage' || c.status !== 200 || c.error !== undefined) continue;
        const workflowId = workflowIdInBlocks(c.args.blocks);
        if (workflowId) out.slack.push({ workflowId, at: c.at });
      }
      return out;
    },
    totals() {
      const count = <T>(xs: T[], ok: (x: T) => boolean) => ({ requests: xs.length, refused: xs.filter((x) => !ok(x)).length });
      return {
        hook: count(webhook.received, (r) => r.status < 300),
        pd: count(pagerDuty.requests, (r) => r.status === 202),
        slack: count(slack.calls, (c) => c.status === 200 && c.error === undefined),
      };
    },
    async close() {
      await Promise.all([webhook.close(), pagerDuty.close(), slack.close()]);
    },
  };
}

/** The channels of the benchmark and one policy whose level 1 (delay 0) targets all three, on its own task queue. */
export function fanoutConfig(fakes: Fakes, temporal: { address: string; namespace: string; taskQueue: string }): VigilConfig {
  return parseConfig(
    {
      temporal,
      channels: {
        hook: { type: 'webhook', url: fakes.webhook.url },
        pd: { type: 'pagerduty', apiUrl: fakes.pagerDuty.url },
        slack: { type: 'slack', channel: SLACK_CHANNEL_ID, ratePerSecond: SLACK_RATE_PER_SECOND },
      },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: [...FANOUT_CHANNELS] }] } },
    },
    'bench-fanout',
    {},
  );
}
