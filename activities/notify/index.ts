import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { sendOnce } from '../../db/notification-ledger';
import type { Notifier } from './notifier';
import type { NotifyActivities } from './types';

export interface NotifyDeps {
  pool: Pool;
  /** Configured channels by name (the names policies target). */
  channels: Record<string, Notifier>;
  logger: Logger;
}

/** Notification activities: every send and every in-place edit passes the notification ledger. */
export function createNotifyActivities(deps: NotifyDeps): NotifyActivities {
  const channelFor = (target: string): Notifier => {
    const n = deps.channels[target];
    if (!n) {
      throw ApplicationFailure.create({
        message: `no channel named "${target}" is configured on this worker (known: ${Object.keys(deps.channels).join(', ')})`,
        type: 'delivery_config',
        nonRetryable: true,
      });
    }
    return n;
  };

  return {
    async deliverNotification({ view, step, target }) {
      const notifier = channelFor(target);
      const existing = view.messages.find((m) => m.target === target);
      const key = { workflowId: view.workflowId, runId: view.incidentId, step, target };
      const out = await sendOnce(deps.pool, key, notifier.type, () =>
        notifier.send({ view, step, target, ...(existing ? { existing } : {}) }),
      );
      deps.logger.info({ incident: view.workflowId, step, target, duplicate: out.duplicate }, 'notification delivered');
      return { detail: out.result.detail, channelType: notifier.type, duplicate: out.duplicate, ...(out.result.ref ? { ref: out.result.ref } : {}) };
    },

    async refreshMessages({ view, step }) {
      let updated = 0;
      for (const m of view.messages) {
        const notifier = deps.channels[m.target];
        if (!notifier?.update) continue;
        const key = { workflowId: view.workflowId, runId: view.incidentId, step, target: m.target };
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
