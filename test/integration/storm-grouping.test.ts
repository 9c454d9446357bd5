import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { createSlackApp, type SlackApp } from '../../slack/app';
import { dispatcherStatusQuery, dispatcherWorkflowId } from '../../workflows/channel-dispatcher-messages';
import { blockActionsBody, signSlackRequest, startFakeSlack, type FakeSlack, type FakeSlackCall } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

// A storm on one route against Slack's real limit (1 post/s, enforced by the fake with 429s): the route
// groups with wait 10s, so the first pages of 40 incidents raised within ~1 s go out as one digest (the
// wait is long for a real route, but on a loaded 2-core machine reaching the queue can take seconds),
// while a critical raised in the middle is posted alone as soon as the limit allows.
const N = 40;
const TOKEN = 'xoxb-grouping-test-token';
const SECRET = 'grouping-signing-secret';
const CHANNEL = 'C0GROUPING';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const LEVEL2_MS = 6000;

let services: Services;
let slack: FakeSlack;
let slackApp: SlackApp;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;
let taskQueue: string;
let slackUrl: string;

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN, rateLimit: { perSecond: 1, burst: 1 } });
  const config = testConfig(
    {
      channels: { slack: { type: 'slack', channel: CHANNEL, ratePerSecond: 1 } },
      escalationPolicies: {
        default: { levels: [{ delay: 0, targets: ['slack'] }, { delay: '1h', targets: ['slack'] }] },
        fast: { levels: [{ delay: 0, targets: ['slack'] }, { delay: LEVEL2_MS, targets: ['slack'] }] },
      },
      routes: {
        routes: [
          { matchers: ['service="checkout-rag"'], grouping: { threshold: 5, max: 45, wait: '10s' } },
          { matchers: ['service="search-rag"'], policy: 'fast', grouping: { threshold: 3, max: 10, wait: '1s' } },
        ],
      },
    },
    services,
  );
  taskQueue = config.temporal.taskQueue;
  stopWorker = (await startWorker(services, config, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  slackApp = createSlackApp({ signingSecret: SECRET, token: TOKEN, apiUrl: slack.url, act: (id, a) => incidents.act(id, a), logger: silentLogger });
  await slackApp.start(0, '127.0.0.1');
  slackUrl = `http://127.0.0.1:${slackApp.port()}/slack/events`;
});

afterAll(async () => {
  await slackApp?.stop();
  await stopWorker?.();
  await slack?.close();
  await services?.close();
});

const raise = (dimension: string, severity: string, service = 'checkout-rag') =>
  incidents.raise(violationSchema.parse({ service, kind: 'response_time_sla', dimension, severity, title: `p95 over SLA on ${dimension} <b> & *bold*`, current: 2400, threshold: 1500, unit: 'ms' }));
const stateOf = async (id: string) => ((await incidents.show(id)) as { state: IncidentState }).state;
const posts = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && !c.error && c.args.thread_ts === undefined);
type Block = { type: string; text?: { text: string }; accessory?: { action_id: string; value: string }; elements?: Array<{ action_id?: string; value?: string }> };
const blocksOf = (c: FakeSlackCall) => (c.args.blocks ?? []) as Block[];

async function sentRows(ids: string[]) {
  const r = await services.pool.query<{ workflow_id: string; step: string; provider_ref: Record<string, string> | null }>(
    `SELECT workflow_id, step, provider_ref FROM notifications WHERE workflow_id = ANY($1) AND target = 'slack' AND status = 'sent'`,
    [ids],
  );
  return r.rows;
}

describe('storm grouping on a rate-limited Slack', () => {
  it('sends 40 first pages as one digest (a critical alone, first), acks all 40 from one signed click, and edits the digest to show it', async () => {
    const t0 = Date.now();
    // 40 high/medium incidents in ~1 s; a critical on the same route half-way through.
    const ids: string[] = [];
    let critical = '';
    for (let batch = 0; batch < 8; batch++) {
      const raised = await Promise.all(Array.from({ length: 5 }, (_, k) => raise(`shard-${batch * 5 + k}`, k % 2 ? 'medium' : 'high')));
      ids.push(...raised.map((r) => r.workflowId));
      if (batch === 3) critical = (await raise('primary', 'critical')).workflowId;
      await new Promise((r) => setTimeout(r, 100));
    }
    const raisedIn = Date.now() - t0;
    expect(new Set(ids).size).toBe(N);

    const rows = await eventually('every first page in the ledger', async () => {
      const all = await sentRows([...ids, critical]);
      return all.length === N + 1 ? all : undefined;
    }, 30_000);

    // Two posts: the critical alone, then one digest for the 40 (the critical did not wait for the group).
    const [first, digest, ...more] = posts();
    expect(more).toEqual([]);
    expect(JSON.stringify(first!.args.blocks)).toContain(critical);
    expect(JSON.stringify(first!.args.blocks)).not.toContain('new incidents');
    expect(first!.at).toBeLessThan(digest!.at);
    const blocks = blocksOf(digest!);
    expect(blocks[0]!.text!.text).toBe(`${N} new incidents on checkout-rag`);
    expect(blocks.filter((b) => b.accessory?.action_id === 'vigil_acknowledge').map((b) => b.accessory!.value).sort()).toEqual([...ids].sort());
    expect(JSON.stringify(blocks)).toContain('&lt;b&gt; &amp; ∗bold∗');
    const ts = digest!.ts!;

    // The ledger: one sent row per incident, each pointing at the digest.
    const grouped = rows.filter((r) => r.workflow_id !== critical);
    expect(grouped.map((r) => r.workflow_id).sort()).toEqual([...ids].sort());
    expect(grouped.every((r) => r.provider_ref?.ts === ts && r.provider_ref?.digest === '1' && r.provider_ref.members!.split(',').length === N)).toBe(true);

    // Each incident's own timeline says it was notified in the digest, and it knows the digest's message.
    const states = await eventually('every incident to record the digest', async () => {
      const all = await Promise.all(ids.map(stateOf));
      return all.every((s) => s.timeline.some((e) => e.type === 'notified')) ? all : undefined;
    });
    for (const s of states) {
      expect(s.timeline.filter((e) => e.type === 'notified').map((e) => e.text)).toEqual([`Notified slack: in a digest with ${N - 1} others (ts ${ts})`]);
      expect(s.messages).toMatchObject([{ target: 'slack', ref: { channel: CHANNEL, ts, digest: '1' } }]);
    }

    // One signed "Acknowledge all" click, with the value Slack would send back.
    const value = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === 'vigil_acknowledge_all')!.value!;
    const body = blockActionsBody({ actionId: 'vigil_acknowledge_all', value, userId: ALICE.id, userName: ALICE.name, channelId: CHANNEL });
    const res = await fetch(slackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
    expect(res.status).toBe(200);
    const told = await eventually('the ephemeral answer', async () => slack.callsTo('chat.postEphemeral').find((c) => c.args.user === ALICE.id));
    expect(told.args.text).toBe(`:white_check_mark: Acknowledged ${N} incidents (0 were already acknowledged/resolved)`);
    for (const s of await Promise.all(ids.map(stateOf))) expect(s).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'slack:U0ALICE (alice)' } });
    expect((await stateOf(critical)).status).toBe('triggered');

    // The digest ends showing all 40 acknowledged, without a button, after a few coalesced edits.
    const edits = await eventually('the digest to show every incident acknowledged', async () => {
      const e = slack.calls.filter((c) => c.method === 'chat.update' && c.status === 200 && !c.error && c.args.ts === ts);
      const last = e[e.length - 1];
      return last && JSON.stringify(last.args.blocks).split('*acknowledged* by slack:U0ALICE (alice)').length - 1 === N ? e : undefined;
    }, 20_000);
    expect(JSON.stringify(edits[edits.length - 1]!.args.blocks)).not.toContain('vigil_acknowledge');
    expect(edits.length).toBeLessThanOrEqual(5);
    expect(slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts !== ts)).toEqual([]);

    const status = await services.client.workflow.getHandle(dispatcherWorkflowId(taskQueue, 'slack')).query(dispatcherStatusQuery);
    expect(status.stats.digests).toBe(1);
    const criticalQueued = (await stateOf(critical)).timeline.find((e) => e.type === 'queued')!.at;
    console.log(
      `storm grouping: ${N} + 1 incidents raised in ${raisedIn} ms; critical queued at +${criticalQueued - t0} ms, posted at +${first!.at - t0} ms; digest at +${digest!.at - t0} ms; ` +
        `${edits.length} digest edits; 429s ${slack.calls.filter((c) => c.status === 429).length}; total ${Date.now() - t0} ms`,
    );
  }, 90_000);

  it('a digest member escalating replies in the digest\'s thread naming the incident and edits the digest, never overwriting it', async () => {
    const ids = (await Promise.all(['a', 'b', 'c'].map((d) => raise(`zone-${d}`, 'high', 'search-rag')))).map((r) => r.workflowId);
    const digest = await eventually('the digest of three', async () => posts().find((p) => blocksOf(p)[0]?.text?.text === '3 new incidents on search-rag'), 15_000);
    const replies = await eventually('three level-2 replies in its thread', async () => {
      const r = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && !c.error && c.args.thread_ts === digest.ts);
      return r.length === 3 ? r : undefined;
    }, 30_000);
    for (const id of ids) expect(replies.filter((r) => String(r.args.text).includes(`(\`${id}\`) escalated to *level 2*`))).toHaveLength(1);
    const edits = slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === digest.ts);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    for (const e of edits) expect(blocksOf(e)[0]!.text!.text).toBe('3 new incidents on search-rag');
    expect(posts().filter((p) => ids.some((id) => JSON.stringify(p.args.blocks).includes(id)))).toEqual([digest]);
    const level2 = await eventually('the level-2 rows', async () => {
      const rows = (await sentRows(ids)).filter((r) => r.step.endsWith('.l2'));
      return rows.length === 3 ? rows : undefined;
    });
    expect(level2.every((r) => r.provider_ref?.ts === digest.ts && r.provider_ref?.digest === '1')).toBe(true);
    const states = await Promise.all(ids.map(stateOf));
    for (const s of states) expect(s.timeline.filter((e) => e.type === 'notified').map((e) => e.text)).toEqual([
      `Notified slack: in a digest with 2 others (ts ${digest.ts})`,
      `Notified slack: updated the digest (${CHANNEL}, ts ${digest.ts}) and replied in its thread`,
    ]);
  }, 60_000);
});
