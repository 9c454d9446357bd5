import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../activities/notify/slack';
import { digestRef } from '../../domain/delivery/digest-ref';
import type { MessageRef } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';

const TOKEN = 'xoxb-7777-8888-digestsecret';
const CHANNEL = 'C0STORM';

const view = (n: number, over: Partial<IncidentView> = {}): IncidentView => ({
  workflowId: `incident/${String(n).padStart(16, '0')}`, incidentId: `run-${n}`, fingerprint: String(n).padStart(16, '0'), service: 'checkout-rag',
  kind: 'response_time_sla', dimension: `shard-${n}`, severity: 'high', title: `p95 over SLA on shard ${n}`, details: { current: 2350, threshold: 2000, unit: 'ms' },
  labels: {}, status: 'triggered', openedAt: Date.UTC(2024, 0, 15), episode: 1, occurrences: 1, acknowledged: null, resolved: null, snoozedUntil: null,
  level: 'level 1', uiUrl: null, messages: [], revision: 1, ...over,
});
const members = [view(1), view(2), view(3)];

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack({ token: TOKEN });
});
afterEach(async () => {
  await slack.close();
});

const notifier = () => createSlackNotifier({ token: TOKEN, channel: CHANNEL, apiUrl: slack.url });
const blocksText = (i: number) => JSON.stringify(slack.calls[i]!.args.blocks);

/** Posts the digest and returns the MessageRef each member then holds. */
async function posted(): Promise<MessageRef> {
  const out = await notifier().sendDigest!({ members, target: 'slack' });
  return { target: 'slack', channel: 'slack', channelType: 'slack', ref: digestRef(out.ref!, members) };
}

describe('slack notifier: digests', () => {
  it('posts one message for the whole digest', async () => {
    const out = await notifier().sendDigest!({ members, target: 'slack' });
    expect(out).toEqual({ detail: expect.stringMatching(/^posted a digest of 3 on checkout-rag to C0STORM \(ts 1700000000\.\d+\)$/), ref: { channel: CHANNEL, ts: expect.any(String) } });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(blocksText(0)).toContain('3 new incidents on checkout-rag');
  });

  it('a member escalating re-renders the digest with everyone, then replies in its thread naming the incident', async () => {
    const existing = await posted();
    const later = view(2, { level: 'level 2' });
    const out = await notifier().send({ view: later, step: '2.l2', target: 'slack', existing, digest: [members[0]!, later, members[2]!] });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(blocksText(1)).toContain('3 new incidents on checkout-rag'); // the digest, never one incident's message
    expect(slack.calls[2]!.args).toMatchObject({ thread_ts: existing.ref.ts, text: expect.stringContaining(`(\`${later.workflowId}\`) escalated to *level 2*`) });
    expect(out.ref).toEqual(existing.ref);
  });

  it('without the members it leaves the digest as it was and only replies', async () => {
    const existing = await posted();
    await notifier().send({ view: view(1), step: '2.l2', target: 'slack', existing });
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  });

  it('a deleted digest: the escalating incident gets a message of its own', async () => {
    const existing = await posted();
    slack.failNext(1, { error: 'message_not_found', method: 'chat.update' });
    const out = await notifier().send({ view: view(1), step: '2.l2', target: 'slack', existing, digest: members });
    expect(out.ref).toEqual({ channel: CHANNEL, ts: expect.not.stringMatching(existing.ref.ts!) });
    expect(blocksText(2)).not.toContain('new incidents');
  });

  it('never overwrites a digest with one incident on a single refresh; updateDigest re-renders it whole', async () => {
    const existing = await posted();
    expect(await notifier().update!({ view: view(1, { status: 'acknowledged' }), existing, reasons: ['status'] })).toMatchObject({ sent: false });
    expect(slack.calls).toHaveLength(1);
    const acked = members.map((m) => ({ ...m, status: 'acknowledged' as const, acknowledged: { by: 'slack:U0ALICE (alice)', at: 1 } }));
    expect(await notifier().updateDigest!({ members: acked, existing, reasons: ['status'] })).toMatchObject({ sent: true });
    expect(slack.calls[1]).toMatchObject({ method: 'chat.update', args: { ts: existing.ref.ts } });
    expect(blocksText(1)).not.toContain('vigil_acknowledge');
  });
});
