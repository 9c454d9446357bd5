import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { dispatcherStatusQuery, dispatcherWorkflowId } from '../../workflows/channel-dispatcher-messages';
import { startFakePagerDuty, type FakePagerDuty } from '../support/fake-pagerduty';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from '../support/fake-slack';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { dispatcherOrderViolations } from '../support/dispatcher-order';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

// A storm against a rate-limited Slack: the fake enforces the same limit Vigil is configured with
// (a token bucket, 429 + Retry-After beyond it), as Slack does. The limit is 10/s rather than Slack's
// 1/s so 300 incidents drain in about two minutes; the queue's rules do not depend on the number.
const RATE = 10;
const N = 300;
const LEVEL2_MS = 20_000;
const TOKEN = 'xoxb-storm-test-token';
const ROUTING_KEY = 'R0STORM0000000000000000000000000';
const SECRET = 'whsec-storm';
const SEVERITIES = ['critical', 'high', 'medium'] as const;

let services: Services;
let slack: FakeSlack;
let pd: FakePagerDuty;
let hooks: WebhookReceiver;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;
let taskQueue: string;

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN, rateLimit: { perSecond: RATE, burst: 3 } });
  pd = await startFakePagerDuty();
  hooks = await startWebhookReceiver({ secret: SECRET });
  const config = testConfig(
    {
      channels: {
        slack: { type: 'slack', channel: 'C0STORM', ratePerSecond: RATE },
        hooks: { type: 'webhook', url: hooks.url },
        pd: { type: 'pagerduty', apiUrl: pd.url },
      },
      escalationPolicies: {
        default: { levels: [{ delay: 0, targets: ['slack', 'hooks'] }, { delay: LEVEL2_MS, targets: ['pd'] }, { delay: '1h', targets: ['slack'] }] },
      },
      // Every page on its own, to hold the limiter itself to its rules (storm-grouping.test.ts covers digests).
      routes: { grouping: false },
    },
    services,
  );
  taskQueue = config.temporal.taskQueue;
  stopWorker = (await startWorker(services, config, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, PAGERDUTY_ROUTING_KEY: ROUTING_KEY, VIGIL_WEBHOOK_SECRET: SECRET })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
});

afterAll(async () => {
  await stopWorker?.();
  await Promise.all([slack?.close(), pd?.close(), hooks?.close()]);
  await services?.close();
});

const incidentOf = (c: FakeSlackCall) => /incident\/[0-9a-f]+/.exec(JSON.stringify(c.args.blocks ?? c.args.text ?? ''))?.[0];
const firstPosts = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && !c.error && c.args.thread_ts === undefined);
const updates = () => slack.calls.filter((c) => c.method === 'chat.update' && c.status === 200 && !c.error);

async function countSent(ids: string[], target: string, level: string): Promise<number> {
  const r = await services.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM notifications WHERE workflow_id = ANY($1) AND target = $2 AND step LIKE $3 AND status = 'sent'`,
    [ids, target, `%.${level}`],
  );
  return Number(r.rows[0]!.n);
}

describe('an alert storm against a rate-limited Slack', () => {
  it('delivers every page once, critical first, keeps level-2 timers on time elsewhere, and leaves every message showing the final state', async () => {
    // 300 incidents in 5 s, three severities interleaved.
    const ids: string[] = [];
    const severityOf = new Map<string, string>();
    for (let batch = 0; batch < 100; batch++) {
      const raised = await Promise.all(
        SEVERITIES.map((severity, k) =>
          incidents.raise(violationSchema.parse({ service: 'storm-rag', kind: 'response_time_sla', dimension: `shard-${batch * 3 + k}`, severity, title: `p95 over SLA on shard ${batch * 3 + k}` })),
        ),
      );
      raised.forEach((r, k) => {
        ids.push(r.workflowId);
        severityOf.set(r.workflowId, SEVERITIES[k]!);
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(new Set(ids).size).toBe(N);

    const t0 = Date.now();
    await eventually('every level-1 page on Slack and the webhook', async () => {
      const [s, h] = [await countSent(ids, 'slack', 'l1'), await countSent(ids, 'hooks', 'l1')];
      if (process.env.STORM_DEBUG) console.log(`${Date.now() - t0} ms: slack ${s}, hooks ${h}, 429s ${slack.calls.filter((c) => c.status === 429).length}`, JSON.stringify(await services.client.workflow.getHandle(dispatcherWorkflowId(taskQueue, 'slack')).query(dispatcherStatusQuery)));
      return s === N && h === N;
    }, 180_000);
    await eventually('every level-2 page on PagerDuty', async () => (await countSent(ids, 'pd', 'l2')) === N, 120_000);

    // Everyone resolves at once: the refreshes queue behind whatever Slack still owes.
    for (let i = 0; i < N; i += 25) await Promise.all(ids.slice(i, i + 25).map((id) => incidents.act(id, { type: 'resolve', by: 'storm-test', reason: 'over' })));

    const lastText = () => {
      const byTs = new Map<string, string>();
      for (const c of [...firstPosts(), ...updates()].sort((a, b) => a.at - b.at)) byTs.set(c.ts!, String(c.args.text));
      return byTs;
    };
    const states = await eventually(
      'every incident resolved with its refreshes reported',
      async () => {
        const all = await Promise.all(ids.map(async (id) => ((await incidents.show(id)) as { state: IncidentState }).state));
        const settled = all.every((s) => s.status === 'resolved' && s.timeline.filter((e) => e.type === 'queued').every((q) => s.timeline.some((e) => e.type === 'notified' && e.data?.step === q.data?.step)));
        return settled ? all : undefined;
      },
      120_000,
    );
    const status = await services.client.workflow.getHandle(dispatcherWorkflowId(taskQueue, 'slack')).query(dispatcherStatusQuery);
    await eventually('the Slack queue to drain', async () => {
      const s = await services.client.workflow.getHandle(dispatcherWorkflowId(taskQueue, 'slack')).query(dispatcherStatusQuery);
      if (process.env.STORM_DEBUG) console.log(JSON.stringify(s));
      return s.queued === 0 && s.inFlight === 0;
    }, 120_000);

    // Exactly once per target: the ledger and every fake agree.
    const posts = firstPosts();
    const postsBy = new Map<string, FakeSlackCall[]>();
    for (const p of posts) postsBy.set(incidentOf(p)!, [...(postsBy.get(incidentOf(p)!) ?? []), p]);
    expect(postsBy.size).toBe(N);
    expect([...postsBy.values()].every((p) => p.length === 1)).toBe(true);
    const notifies = hooks.received.filter((h) => (h.json as { event?: string } | null)?.event === 'incident.notify');
    expect(notifies).toHaveLength(N);
    expect(new Set(notifies.map((h) => h.headers['idempotency-key'])).size).toBe(N);
    const triggers = pd.requests.filter((r) => r.status === 202 && r.event.event_action === 'trigger');
    expect(triggers).toHaveLength(N);

    // Nothing failed for a rate limit: 429s paused the queue; they were never attempts.
    for (const s of states) {
      expect(s.timeline.filter((e) => e.type === 'notify_failed')).toEqual([]);
      expect(s.timeline.filter((e) => e.type === 'notify_retry')).toEqual([]);
    }

    // Severity first, pages before refreshes: no send started while the dispatcher already held a page
    // that should have gone first (read from its history, so the machine's speed does not matter).
    expect(await dispatcherOrderViolations(services.client, dispatcherWorkflowId(taskQueue, 'slack'))).toEqual([]);
    // And as Slack saw it: the critical pages were all posted before the last high one, the high ones before the last medium one.
    const postedAt = new Map(posts.map((p) => [incidentOf(p)!, p.at]));
    const lastOf = (sev: string) => Math.max(...ids.filter((id) => severityOf.get(id) === sev).map((id) => postedAt.get(id)!));
    expect(lastOf('critical')).toBeLessThan(lastOf('high'));
    expect(lastOf('high')).toBeLessThan(lastOf('medium'));

    // Level 2 (PagerDuty, not saturated) fired on time for every incident, whatever Slack was doing.
    const lateness = states.map((s) => {
      const e = s.timeline.find((x) => x.type === 'escalated' && x.data?.level === 2)!;
      return e.at - Number(e.data!.dueAt);
    });
    // Not a speed goal (the storm and latency benches measure lateness: typically under 0.5 s): the
    // failure this guards against held level 2 behind the Slack backlog for minutes, so a bound well
    // below that and well above a loaded machine's scheduling noise (2.2 s seen under load 13).
    expect(Math.max(...lateness)).toBeLessThanOrEqual(10_000);

    // Coalesced: fewer edits than changes, and every message ends showing its incident resolved.
    expect(updates().length).toBeLessThan(2 * N);
    const texts = lastText();
    expect(texts.size).toBe(N);
    expect([...texts.values()].filter((t) => !/resolved/.test(t))).toEqual([]);
    console.log(
      `storm (${Math.round((Date.now() - t0) / 1000)} s): ${N} incidents; Slack posts ${posts.length}, edits ${updates().length}, 429s ${slack.calls.filter((c) => c.status === 429).length}; ` +
        `level-2 lateness max ${Math.max(...lateness)} ms; dispatcher ${JSON.stringify(status.stats)}`,
    );
  }, 420_000);
});
