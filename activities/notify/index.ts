import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { VigilConfig } from '../../domain/config';
import type { QueuedSend } from '../../domain/delivery/channel-queue';
import { digestMembersOf, digestMessage, isDigestRef } from '../../domain/delivery/digest-ref';
import type { MessageRef, RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import type { ActionLinks, Notifier } from './notifier';
import { withHeartbeat } from './heartbeat';
import { awaitingHolder, sendOnceOrBusy, updateOnce } from './ledgered';
import { createPlanActivity } from './plan';
import type { SilenceSource } from '../../db/silence-watch';
import { readDigestMembers, refreshDigest } from './send-digest';
import { createSendQueued } from './send-queued';
import type { NotifyActivities, QueueActivities } from './types';
import { enqueueSends } from './enqueue';
import { createPageStep } from './page-step';
import { createStoreActivities } from '../store';

export interface NotifyDeps {
  pool: Pool;
  config: VigilConfig;
  /** Configured channels by name (the names policies target). */
  channels: Record<string, Notifier>;
  logger: Logger;
  /** Builds signed ack/resolve links for channels without buttons; absent when no action secret is set. */
  links?: (view: IncidentView, recipient: string) => ActionLinks;
  /** The Temporal client queued sends go through; defaults to the worker's own (activity context). */
  client?: () => Client;
  now?: () => number;
  /** The silences steps are planned against: a worker's in-memory watch, else read per step. */
  silences?: SilenceSource;
}

/**
 * How long a sender holds a ledger row: past every phase of one provider call (an SMTP send may use
 * the channel's timeout for connect, greeting and the message), so a slow send is never taken over,
 * yet a crashed sender's row is free again within seconds of the call's own limit.
 */
export function leaseFor(config: VigilConfig, channel: string): number {
  return 3 * (config.channels[channel]?.timeout ?? 10_000) + 5_000;
}

/**
 * Notification activities: every send and every in-place edit passes the notification ledger.
 * Channels with a rate limit are not sent to here: their sends join the channel's queue (the
 * ChannelDispatcher workflow), which starts each one when the limit allows and reports back.
 */
export function createNotifyActivities(deps: NotifyDeps): NotifyActivities & QueueActivities {
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
  const rateOf = (name: string) => deps.config.channels[name]?.ratePerSecond;
  const client = deps.client ?? (() => Context.current().client);
  // In a storm hundreds of incidents signal one dispatcher at once and the server takes them in turn: keep heartbeating meanwhile.
  const enqueue = (channel: string, sends: QueuedSend[]) =>
    withHeartbeat(() => enqueueSends(client(), deps.config.temporal.taskQueue, channel, rateOf(channel)!, sends));
  const now = deps.now ?? Date.now;
  const planDelivery = createPlanActivity({ pool: deps.pool, config: deps.config, ...(deps.now ? { now: deps.now } : {}), ...(deps.silences ? { silences: deps.silences } : {}) });
  const { projectIncident } = createStoreActivities({ pool: deps.pool });

  const pageStep = createPageStep({ plan: planDelivery, deliver: (input) => activities.deliverNotification(input), project: projectIncident });
  const activities: NotifyActivities & QueueActivities = {
    // Heartbeats cover planning and projection too: only the sends inside heartbeat on their own.
    pageStep: (input) => withHeartbeat(() => pageStep(input)),
    planDelivery,

    async deliverNotification({ view, step, target, channel, address, group, awaitHolderMs }) {
      const name = channel ?? target;
      const notifier = channelFor(name);
      const existing = view.messages.find((m) => m.target === target);
      if (rateOf(name)) {
        // Only a first page (no message there yet) may join a storm digest, on a channel that posts them;
        // a later step of a digest member edits the digest, so it waits its turn with the digest's refreshes.
        const placement = existing
          ? isDigestRef(existing.ref) ? { message: digestMessage(existing.ref) } : {}
          : { first: true, ...(group && notifier.sendDigest ? { group } : {}) };
        await enqueue(name, [{
          key: `${view.workflowId}|${step}|${target}`, kind: 'page', workflowId: view.workflowId, incidentId: view.incidentId,
          step, target, channel: name, ...(address ? { address } : {}), severity: view.severity, reasons: [], enqueuedAt: now(), attempt: 0, notBefore: 0,
          ...placement,
        }]);
        return { detail: `queued for ${name} (limit ${rateOf(name)}/s)`, channelType: notifier.type, duplicate: false, queued: true };
      }
      const links = deps.links?.(view, address ?? target);
      const key = { workflowId: view.workflowId, runId: view.incidentId, step, target };
      const digest = existing && isDigestRef(existing.ref) ? await readDigestMembers(client(), digestMembersOf(existing.ref)) : undefined;
      const out = await awaitingHolder(awaitHolderMs, () => sendOnceOrBusy(deps.pool, key, notifier.type, () => withHeartbeat(() =>
        notifier.send({ view, step, target, ...(existing ? { existing } : {}), ...(address ? { address } : {}), ...(links ? { links } : {}), ...(digest ? { digest } : {}) }),
      ), leaseFor(deps.config, name)));
      deps.logger.info({ incident: view.workflowId, step, target, channel: name, duplicate: out.duplicate }, 'notification delivered');
      return { detail: out.result.detail, channelType: notifier.type, duplicate: out.duplicate, ...(out.result.ref ? { ref: out.result.ref } : {}) };
    },

    async refreshMessages({ view, step, reasons }) {
      let updated = 0;
      const queued = new Map<string, QueuedSend[]>();
      const failures: Array<{ target: string; detail: string; retryable: boolean }> = [];
      for (const m of view.messages) {
        const name = m.channel ?? m.target;
        const notifier = deps.channels[name];
        if (isDigestRef(m.ref)) {
          // A digest is edited as a whole, keyed by the digest: every member's change merges into one edit.
          if (!notifier?.updateDigest) continue;
          if (rateOf(name)) {
            const message = digestMessage(m.ref);
            const send: QueuedSend = {
              key: `${message}|refresh`, kind: 'refresh', workflowId: message, incidentId: message, step: '', target: m.target, channel: name,
              severity: view.severity, reasons, enqueuedAt: now(), attempt: 0, notBefore: 0, message, digestRef: m.ref,
            };
            queued.set(name, [...(queued.get(name) ?? []), send]);
            continue;
          }
          const o = await withHeartbeat(() => refreshDigest({ pool: deps.pool, client, leaseMs: (c) => leaseFor(deps.config, c) }, notifier, { channel: name, target: m.target, ref: m.ref, reasons }));
          if (o.type === 'sent' || o.type === 'skipped') updated++;
          else failures.push({ target: m.target, detail: o.detail, retryable: !(o.type === 'failed' && o.permanent) });
          continue;
        }
        if (!notifier?.update) continue;
        if (rateOf(name)) {
          const send: QueuedSend = {
            key: `${view.workflowId}|refresh|${m.target}`, kind: 'refresh', workflowId: view.workflowId, incidentId: view.incidentId,
            step: '', target: m.target, channel: name, severity: view.severity, reasons, enqueuedAt: now(), attempt: 0, notBefore: 0,
          };
          queued.set(name, [...(queued.get(name) ?? []), send]);
          continue;
        }
        try {
          await withHeartbeat(() => refreshOne(notifier, view, m, step, reasons));
          updated++;
        } catch (err) {
          // One failing channel must not keep the others stale: try every message, then report.
          failures.push({ target: m.target, detail: err instanceof Error ? err.message : String(err), retryable: !(err instanceof ApplicationFailure && err.nonRetryable) });
        }
      }
      for (const [name, sends] of queued) await enqueue(name, sends);
      const count = [...queued.values()].reduce((n, s) => n + s.length, 0);
      if (failures.some((f) => f.retryable)) {
        // Retried as a whole; the ledger skips the messages already refreshed.
        throw ApplicationFailure.create({ message: failures.map((f) => `${f.target}: ${f.detail}`).join('; '), type: 'refresh_failed', nonRetryable: false });
      }
      return { updated, queued: count, failures: failures.map(({ target, detail }) => ({ target, detail })) };
    },

    sendQueued: createSendQueued({ pool: deps.pool, channels: deps.channels, client, leaseMs: (channel) => leaseFor(deps.config, channel), logger: deps.logger, ...(deps.links ? { links: deps.links } : {}) }),
  };
  return activities;

  async function refreshOne(notifier: Notifier, view: IncidentView, m: MessageRef, step: string, reasons: RefreshReason[]) {
    const key = { workflowId: view.workflowId, runId: view.incidentId, step, target: m.target };
    // A busy row is caught by refreshMessages like any retryable failure: the whole refresh is retried.
    await updateOnce(deps.pool, key, notifier.type, () => notifier.update!({ view, existing: m, reasons }), leaseFor(deps.config, m.channel ?? m.target));
  }
}
