import type { Client } from '@temporalio/client';
import { sendOnceShared } from '../../db/shared-send';
import type { DigestOutcome, MessageMemo, QueuedSend, SendOutcome } from '../../domain/delivery/channel-queue';
import { digestMembersOf, digestMessage, digestRef, type DigestMemberId } from '../../domain/delivery/digest-ref';
import type { MessageRef, RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import type { DigestMember } from '../../domain/slack-digest';
import type { Notifier } from './notifier';
import { currentView } from './current-view';
import { reportDone, updateOnce } from './ledgered';
import { outcomeOf } from './send-outcome';
import type { SendQueuedDeps } from './send-queued';
import type { SendQueuedInput } from './types';

/** Every member of a digest as it is now; one that cannot be read is listed by id, not dropped. */
export async function readDigestMembers(client: Client, members: DigestMemberId[]): Promise<DigestMember[]> {
  return Promise.all(
    members.map(async (m): Promise<DigestMember> => {
      try {
        return await currentView(client, m);
      } catch (err) {
        return { workflowId: m.workflowId, unreadable: `state unavailable (${err instanceof Error ? err.message : String(err)})` };
      }
    }),
  );
}

const isView = (m: DigestMember): m is IncidentView => !('unreadable' in m);
/** A digest's content revision: its members' revisions summed (each only grows, so the sum names one content). */
const revisionOf = (members: DigestMember[]) => members.reduce((n, m) => n + (isView(m) ? m.revision : 0), 0);

/**
 * Sends a digest: reads every member, claims each one's ledger row (a row already sent is left out
 * and reported as it was; one held by another sender goes back in line), posts one message for the
 * rest, marks their rows with it, and tells each incident it was notified in the digest.
 */
export async function sendDigest(deps: SendQueuedDeps, notifier: Notifier, { send }: SendQueuedInput): Promise<DigestOutcome> {
  const members = send.members ?? [];
  const client = deps.client();
  const read = await Promise.all(members.map(async (m) => ({ m, view: await currentView(client, m).catch((err: Error) => err) })));
  const outcomes = new Map<QueuedSend, SendOutcome>();
  const readable = read.filter((r): r is { m: QueuedSend; view: IncidentView } => !(r.view instanceof Error));
  for (const r of read) if (r.view instanceof Error) outcomes.set(r.m, { type: 'failed', permanent: false, calls: 0, detail: `cannot read incident ${r.m.workflowId}: ${r.view.message}` });

  const keyOf = (m: QueuedSend) => ({ workflowId: m.workflowId, runId: m.incidentId, step: m.step, target: m.target });
  let posted: { ref: Record<string, string>; views: IncidentView[] } | undefined;
  let calls = 0;
  try {
    const shared = await sendOnceShared(
      deps.pool,
      readable.map((r) => keyOf(r.m)),
      notifier.type,
      async (held) => {
        const views = readable.filter((r) => held.some((k) => k.workflowId === r.m.workflowId && k.runId === r.m.incidentId)).map((r) => r.view);
        calls = 1;
        const out = await notifier.sendDigest!({ members: views, target: send.target, ...(send.address ? { address: send.address } : {}) });
        const ref = digestRef(out.ref ?? {}, views);
        posted = { ref, views };
        return { detail: `in a digest with ${views.length - 1} other${views.length === 2 ? '' : 's'} (ts ${ref.ts ?? '?'})`, ref };
      },
      { leaseMs: deps.leaseMs(send.channel) },
    );
    readable.forEach((r, i) => {
      const o = shared.outcomes[i]!;
      if (o.kind === 'busy') return outcomes.set(r.m, { type: 'busy', retryAfterMs: Math.max(100, o.retryAfterMs), detail: 'another attempt holds this page' });
      const ref = o.stored.ref;
      const detail = o.duplicate ? `${o.stored.detail} (already sent)` : o.stored.detail;
      outcomes.set(r.m, { type: 'sent', calls: o.duplicate ? 0 : 1, detail, ...(ref ? { memo: { channelType: notifier.type, ref, revision: r.view.revision } } : {}) });
    });
  } catch (err) {
    // The post failed: every member it held settles with that failure (the queue backs them off together).
    const failure = outcomeOf(err, calls);
    for (const r of readable) if (!outcomes.has(r.m)) outcomes.set(r.m, failure);
  }
  const result: DigestOutcome = {
    type: 'digest',
    calls,
    detail: posted ? `posted a digest of ${posted.views.length}` : 'no digest posted',
    members: members.map((m) => ({ key: m.key, incidentId: m.incidentId, outcome: outcomes.get(m)! })),
  };
  if (posted) {
    const message = digestMessage(posted.ref);
    result.memo = { workflowId: message, incidentId: message, target: send.target, channelType: notifier.type, ref: posted.ref, revision: revisionOf(posted.views) };
  }
  deps.logger.info({ channel: send.channel, target: send.target, members: members.length, posted: posted?.views.length ?? 0, ts: posted?.ref.ts }, 'digest delivered');
  // Members report as the pages they are; a busy or failed member is the dispatcher's to report.
  await Promise.all(members.map((m) => reportDone(client, { ...m, kind: 'page' }, outcomes.get(m)!)));
  return result;
}

/**
 * Re-renders a digest with every member as it is now: one edit for any number of members' changes.
 * Skipped when the message already shows this content; keyed in the ledger by the digest and its
 * content revision, like a single incident's refresh.
 */
export async function refreshDigest(
  deps: Pick<SendQueuedDeps, 'pool' | 'client' | 'leaseMs'>,
  notifier: Notifier,
  r: { channel: string; target: string; ref: Record<string, string>; reasons: RefreshReason[]; memo?: MessageMemo },
): Promise<SendOutcome> {
  if (!notifier.updateDigest) return { type: 'skipped', detail: `${r.channel} cannot edit a digest` };
  const members = await readDigestMembers(deps.client(), digestMembersOf(r.ref));
  const revision = revisionOf(members);
  if (r.memo && r.memo.revision >= revision) return { type: 'skipped', detail: `digest already shows revision ${r.memo.revision}` };
  const message = digestMessage(r.ref);
  const existing: MessageRef = { target: r.target, channel: r.channel, channelType: notifier.type, ref: r.ref };
  const memo = { channelType: notifier.type, ref: r.ref, revision };
  try {
    const key = { workflowId: message, runId: r.ref.ts ?? '', step: `update.${revision}`, target: r.target };
    const out = await updateOnce(deps.pool, key, notifier.type, () => notifier.updateDigest!({ members, existing, reasons: r.reasons }), deps.leaseMs(r.channel));
    return { type: 'sent', calls: out.called ? 1 : 0, detail: out.detail, memo };
  } catch (err) {
    return outcomeOf(err, 1);
  }
}
