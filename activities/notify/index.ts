import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { reserveSlot } from '../../db/channel-slots';
import { sendOnce } from '../../db/notification-ledger';
import type { VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident-view';
import { deliveryFailure } from './http-errors';
import type { ActionLinks, Notifier } from './notifier';
import { createPlanActivity } from './plan';
import type { NotifyActivities } from './types';

export interface NotifyDeps {
  pool: Pool;
  config: VigilConfig;
  /** Configured channels by name (the names policies target). */
  channels: Record<string, Notifier>;
  logger: Logger;
  /** Builds signed ack/resolve links for channels without buttons; absent when no action secret is set. */
  links?: (view: IncidentView, recipient: string) => ActionLinks;
  now?: () => number;
}

// A rate-limited send may wait for its slot, but not so long that the activity times out (30 s).
const MAX_SLOT_WAIT_MS = 20_000;

/** Notification activities: every send and every in-place edit passes the notification ledger. */
export function createNotifyActivities(deps: NotifyDeps): NotifyActivities {
  const channelFor = (name: string): Notifier => {
    const n = deps.channels[name];
    if (!n) {
      throw ApplicationFailure.create({
        message: `no channel named "${name}" is configured on this worker (known: ${Object.keys(deps.channels).join(', ')})`,
        type: 'delivery_config',
        nonRetryable: true,
      });
    }
    return n;
  };

  /** Waits for the channel's next shared send slot when it is rate limited. */
  const throttle = async (name: string) => {
    const perSecond = deps.config.channels[name]?.ratePerSecond;
    if (!perSecond) return;
    const wait = await reserveSlot(deps.pool, name, perSecond);
    if (wait > MAX_SLOT_WAIT_MS) throw deliveryFailure(name, 'rate_limited', `rate limit of ${perSecond}/s: next slot in ${Math.round(wait)} ms`, wait - MAX_SLOT_WAIT_MS);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  return {
    planDelivery: createPlanActivity({ pool: deps.pool, config: deps.config, ...(deps.now ? { now: deps.now } : {}) }),

    async deliverNotification({ view, step, target, channel, address }) {
      const name = channel ?? target;
      const notifier = channelFor(name);
      const existing = view.messages.find((m) => m.target === target);
      const links = deps.links?.(view, address ?? target);
      const key = { workflowId: view.workflowId, runId: view.incidentId, step, target };
      // The slot is reserved before the ledger's transaction takes a connection: reserving inside it
      // asks the pool for a second connection per send, which deadlocks once every connection waits so.
      // A duplicate then wastes one slot, which is harmless.
      await throttle(name);
      const out = await sendOnce(deps.pool, key, notifier.type, () =>
        notifier.send({ view, step, target, ...(existing ? { existing } : {}), ...(address ? { address } : {}), ...(links ? { links } : {}) }),
      );
      deps.logger.info({ incident: view.workflowId, step, target, channel: name, duplicate: out.duplicate }, 'notification delivered');
      return { detail: out.result.detail, channelType: notifier.type, duplicate: out.duplicate, ...(out.result.ref ? { ref: out.result.ref } : {}) };
    },

    async refreshMessages({ view, step }) {
      let updated = 0;
      for (const m of view.messages) {
        const name = m.channel ?? m.target;
        const notifier = deps.channels[name];
        if (!notifier?.update) continue;
        const key = { workflowId: view.workflowId, runId: view.incidentId, step, target: m.target };
        await throttle(name);
        await sendOnce(deps.pool, key, notifier.type, async () => {
          await notifier.update!(view, m);
          return { detail: `message updated (${view.status})` };
        });
        updated++;
      }
      return { updated };
    },
  };
}
