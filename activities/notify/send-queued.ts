import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { sendOnce } from '../../db/notification-ledger';
import type { DigestOutcome, MessageMemo, QueuedSend, SendOutcome } from '../../domain/delivery/channel-queue';
import { digestMembersOf, isDigestRef } from '../../domain/delivery/digest-ref';
import type { MessageRef } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { currentView } from './current-view';
import { untilSlot, withHeartbeat } from './heartbeat';
import { reportDone, updateOnce } from './ledgered';
import type { ActionLinks, Notifier } from './notifier';
import { readDigestMembers, refreshDigest, sendDigest } from './send-digest';
import { outcomeOf } from './send-outcome';
import type { SendQueuedInput } from './types';

export interface SendQueuedDeps {
  pool: Pool;
  channels: Record<string, Notifier>;
  client: () => Client;
  /** How long a sender holds a channel's ledger row (see leaseFor). */
  leaseMs: (channel: string) => number;
  logger: Logger;
  links?: (view: IncidentView, recipient: string) => ActionLinks;
}

function existingMessage(send: QueuedSend, view: IncidentView, memo: MessageMemo | undefined): MessageRef | undefined {
  // The dispatcher's memo is newer than the incident's copy when the report of the post is still on its way.
  if (memo) return { target: send.target, channel: send.channel, channelType: memo.channelType, ref: memo.ref };
  return view.messages.find((m) => m.target === send.target);
}

/**
 * Sends one queued page or refresh — or a digest of first pages, or a digest's refresh — through the
 * ledger and says how it went (the dispatcher decides what next).
 */
export function createSendQueued(deps: SendQueuedDeps): (input: SendQueuedInput) => Promise<SendOutcome | DigestOutcome> {
  const attempt = createAttempt(deps);
  return async (input) => {
    const { send } = input;
    if (input.notBefore) await untilSlot(input.notBefore);
    const notifier = deps.channels[send.channel];
    if (send.kind === 'digest' && notifier?.sendDigest) return withHeartbeat(() => sendDigest(deps, notifier, input));
    // A channel that lost its digests (config changed while pages waited): each member alone, as its own page.
    if (send.kind === 'digest') {
      return withHeartbeat(() =>
        sendEach(input, async (member) => {
          const outcome = await attempt({ send: member });
          await reportDone(deps.client(), member, outcome);
          return outcome;
        }),
      );
    }
    if (send.digestRef && notifier) {
      return withHeartbeat(() => refreshDigest(deps, notifier, { channel: send.channel, target: send.target, ref: send.digestRef!, reasons: send.reasons, ...(input.memo ? { memo: input.memo } : {}) }));
    }
    const outcome = await withHeartbeat(() => attempt(input));
    await reportDone(deps.client(), input.send, outcome);
    return outcome;
  };
}

function createAttempt(deps: SendQueuedDeps): (input: SendQueuedInput) => Promise<SendOutcome> {
  return async ({ send, memo }) => {
    const notifier = deps.channels[send.channel];
    if (!notifier) return { type: 'failed', permanent: true, calls: 0, detail: `no channel named "${send.channel}" is configured on this worker` };
    let view: IncidentView;
    try {
      view = await currentView(deps.client(), send);
    } catch (err) {
      return { type: 'failed', permanent: false, calls: 0, detail: `cannot read incident ${send.workflowId}: ${(err as Error).message}` };
    }
    const existing = existingMessage(send, view, memo);
    try {
      if (send.kind === 'page') {
        const links = deps.links?.(view, send.address ?? send.target);
        const key = { workflowId: send.workflowId, runId: send.incidentId, step: send.step, target: send.target };
        // A later step of a digest member edits the digest with everyone in it, not just this incident.
        const digest = existing && isDigestRef(existing.ref) ? await readDigestMembers(deps.client(), digestMembersOf(existing.ref)) : undefined;
        const out = await sendOnce(deps.pool, key, notifier.type, () =>
          notifier.send({ view, step: send.step, target: send.target, ...(existing ? { existing } : {}), ...(send.address ? { address: send.address } : {}), ...(links ? { links } : {}), ...(digest ? { digest } : {}) }),
          { leaseMs: deps.leaseMs(send.channel) },
        );
        deps.logger.info({ incident: send.workflowId, step: send.step, target: send.target, channel: send.channel, duplicate: out.duplicate }, 'queued notification delivered');
        const ref = out.result.ref ?? existing?.ref;
        const detail = out.duplicate ? `${out.result.detail} (already sent)` : out.result.detail;
        return { type: 'sent', calls: out.duplicate ? 0 : 1, detail, ...(ref ? { memo: { channelType: notifier.type, ref, revision: view.revision } } : {}) };
      }
      if (!existing || !notifier.update) return { type: 'skipped', detail: `no ${send.channel} message to refresh for ${send.target}` };
      if (memo && memo.revision >= view.revision) return { type: 'skipped', detail: `message already shows revision ${memo.revision}` };
      // Keyed by the revision it shows: a retry of the same content is one ledger row, a newer state another.
      const key = { workflowId: send.workflowId, runId: send.incidentId, step: `update.${view.revision}`, target: send.target };
      const out = await updateOnce(deps.pool, key, notifier.type, () => notifier.update!({ view, existing, reasons: send.reasons }), deps.leaseMs(send.channel));
      return { type: 'sent', calls: out.called ? 1 : 0, detail: out.detail, memo: { channelType: existing.channelType, ref: existing.ref, revision: view.revision } };
    } catch (err) {
      return outcomeOf(err, 1);
    }
  };
}

/** A digest sent as separate pages, one call each (the fallback when its channel cannot post digests). */
async function sendEach(input: SendQueuedInput, one: (member: QueuedSend) => Promise<SendOutcome>): Promise<DigestOutcome> {
  const members = input.send.members ?? [];
  const outcomes: SendOutcome[] = [];
  for (const m of members) outcomes.push(await one(m));
  const calls = outcomes.reduce((n, o) => n + (o.type === 'skipped' || o.type === 'busy' ? 0 : o.calls), 0);
  return { type: 'digest', calls, detail: `sent ${members.length} pages one by one`, members: members.map((m, i) => ({ key: m.key, incidentId: m.incidentId, outcome: outcomes[i]! })) };
}
