import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { LedgerBusyError, sendOnce, type LedgerKey, type LedgerOutcome, type StoredSend } from '../../db/notification-ledger';
import type { SendOutcome } from '../../domain/delivery/channel-queue';
import type { QueuedSend } from '../../domain/delivery/channel-queue';
import { deliveryReportSignal } from '../../workflows/channel-dispatcher-messages';
import { withHeartbeat } from './heartbeat';
import type { UpdateResult } from './notifier';

/** A ledger row another sender holds: not a failure, a "not yet" the caller retries after the lease. */
export function busyFailure(err: LedgerBusyError): ApplicationFailure {
  const retryAfterMs = Math.max(100, err.retryAfterMs);
  return ApplicationFailure.create({ message: err.message, type: 'ledger_busy', nonRetryable: false, nextRetryDelay: retryAfterMs, details: [{ retryAfterMs }] });
}

/** sendOnce for an activity Temporal retries: a busy row becomes the retryable `ledger_busy` failure. */
export async function sendOnceOrBusy<T extends StoredSend>(pool: Pool, key: LedgerKey, channelType: string, send: () => Promise<T>, leaseMs: number): Promise<LedgerOutcome<StoredSend>> {
  try {
    return await sendOnce(pool, key, channelType, send, { leaseMs });
  } catch (err) {
    throw err instanceof LedgerBusyError ? busyFailure(err) : err;
  }
}

/** How often a delivery awaiting another sender's outcome looks at the ledger row again. */
export const HOLDER_POLL_MS = 100;

/**
 * `attempt` again while another sender holds the ledger row, for up to `ms` (heartbeating
 * meanwhile): the holder's outcome (sent, or failed and claimable) usually lands well within it.
 * Past `ms`, or without it, the busy refusal is thrown for the workflow to wait out.
 */
export async function awaitingHolder<T>(ms: number | undefined, attempt: () => Promise<T>): Promise<T> {
  if (!ms) return attempt();
  const deadline = Date.now() + ms;
  return withHeartbeat(async () => {
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const left = deadline - Date.now();
        if (!(err instanceof ApplicationFailure && err.type === 'ledger_busy') || left <= 0) throw err;
        await new Promise((r) => setTimeout(r, Math.min(HOLDER_POLL_MS, left)));
      }
    }
  });
}

/**
 * An in-place edit through the ledger, keyed by what it shows. `called` says whether the channel
 * made a provider call (email, Teams and PagerDuty skip edits that are not status changes); the
 * stored detail says so too, so a skipped edit never reads as one that went out.
 */
export async function updateOnce(pool: Pool, key: LedgerKey, channelType: string, update: () => Promise<UpdateResult>, leaseMs: number) {
  let called = false;
  const out = await sendOnce(pool, key, channelType, async () => {
    const r = await update();
    called = r.sent;
    return { detail: r.sent ? r.detail : `nothing to send: ${r.detail}` };
  }, { leaseMs });
  return { detail: out.result.detail, called };
}

/**
 * Tells the incident a queued send went out (or had nothing to do). Done by the send activity rather
 * than the dispatcher workflow: it saves the dispatcher a command and a workflow task per send. Retries
 * and failures are the dispatcher's to report (it owns attempts and backoff).
 */
export async function reportDone(client: Client, send: Pick<QueuedSend, 'workflowId' | 'incidentId' | 'kind' | 'step' | 'target' | 'channel'>, outcome: SendOutcome): Promise<void> {
  if (outcome.type !== 'sent' && outcome.type !== 'skipped') return;
  const report =
    outcome.type === 'sent'
      ? { type: 'sent' as const, detail: outcome.detail, ...(outcome.memo ? { ref: outcome.memo.ref, channelType: outcome.memo.channelType } : {}) }
      : { type: 'skipped' as const, detail: outcome.detail };
  try {
    await client.workflow.getHandle(send.workflowId).signal(deliveryReportSignal, { incidentId: send.incidentId, kind: send.kind, step: send.step, target: send.target, channel: send.channel, report });
  } catch {
    // The incident completed: the ledger keeps the send; nobody waits for the report.
  }
}
