import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService } from '../../app/incident-service';
import { MAX_IN_FLIGHT } from '../../domain/delivery/channel-queue';
import { violationSchema } from '../../domain/violation';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, type Services } from '../support/integration';
import { spawnVigil, type VigilProcess } from '../support/processes';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { workerConfigFile } from '../support/worker-config-file';

// The storm again, with the worker SIGKILLed while Slack's queue is half drained.
const RATE = 10;
const N = 100;
const TOKEN = 'xoxb-storm-crash-token';
const SECRET = 'whsec-storm-crash';
const SEVERITIES = ['critical', 'high', 'medium'] as const;

let services: Services;
let slack: FakeSlack;
let hooks: WebhookReceiver;
let dir: string;
const workers: VigilProcess[] = [];

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN, rateLimit: { perSecond: RATE, burst: 3 } });
  hooks = await startWebhookReceiver({ secret: SECRET });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-storm-crash-'));
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all([slack?.close(), hooks?.close()]);
  await services?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function sentRows(ids: string[], target: string): Promise<Array<{ workflow_id: string; n: number }>> {
  const r = await services.pool.query<{ workflow_id: string; n: string }>(
    `SELECT workflow_id, count(*) AS n FROM notifications WHERE workflow_id = ANY($1) AND target = $2 AND step LIKE '%.l1' AND status = 'sent' GROUP BY workflow_id`,
    [ids, target],
  );
  return r.rows.map((x) => ({ workflow_id: x.workflow_id, n: Number(x.n) }));
}

describe('an alert storm with the worker SIGKILLed mid-storm', () => {
  it('still delivers every level-1 page: once in the ledger, resent at most for sends in flight at the kill, with the same webhook key', async () => {
    // A short channel timeout keeps the lease (3 × timeout + 5 s) short, so the test does not wait a minute.
    const input = {
      channels: {
        slack: { type: 'slack' as const, channel: 'C0STORMK', ratePerSecond: RATE, timeout: '2s' },
        hooks: { type: 'webhook' as const, url: hooks.url, timeout: '2s' },
      },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['slack', 'hooks'] }, { delay: '1h', targets: ['slack'] }] } },
      // One post per incident, so Slack's posts can be counted against the ledger's rows.
      routes: { grouping: false as const },
    };
    const { config, env } = workerConfigFile(dir, input, services, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, VIGIL_WEBHOOK_SECRET: SECRET });
    const first = spawnVigil(['worker'], env);
    workers.push(first);
    await first.waitFor(/worker polling/);

    const incidents = createIncidentService({ client: services.client, pool: services.pool, config });
    const ids: string[] = [];
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          incidents.raise(violationSchema.parse({ service: 'crash-storm-rag', kind: 'quality_sla', dimension: `d${i + k}`, severity: SEVERITIES[(i + k) % 3], title: `storm ${i + k}` })),
        ),
      );
      ids.push(...batch.map((r) => r.workflowId));
    }

    // Kill the worker once a third of the Slack pages are out: the rest wait in the queue, some are in flight.
    await eventually('a third of the Slack pages', async () => (await sentRows(ids, 'slack')).length >= N / 3, 120_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const postsAtKill = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).length;

    const second = spawnVigil(['worker'], env);
    workers.push(second);
    await second.waitFor(/worker polling/);
    await eventually(
      'every level-1 page sent after the restart',
      async () => (await sentRows(ids, 'slack')).length === N && (await sentRows(ids, 'hooks')).length === N,
      180_000,
    );
    second.child.kill('SIGTERM');
    await second.exited;

    // The ledger: exactly one sent row per incident and target.
    expect((await sentRows(ids, 'slack')).every((r) => r.n === 1)).toBe(true);
    expect((await sentRows(ids, 'hooks')).every((r) => r.n === 1)).toBe(true);
    // Slack has no idempotency key: a post the provider accepted but the killed worker never recorded is
    // posted again after the lease (the README's stated window) — at most one per send in flight at the kill.
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && c.args.thread_ts === undefined);
    const per = new Map<string, number>();
    for (const p of posts) {
      const id = /incident\/[0-9a-f]+/.exec(JSON.stringify(p.args.blocks))![0];
      per.set(id, (per.get(id) ?? 0) + 1);
    }
    expect(per.size).toBe(N);
    const extra = [...per.values()].reduce((n, k) => n + k - 1, 0);
    expect(extra).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    // The webhook's receiver can drop resends: every delivery of one incident carries the same key.
    const keys = new Map<string, Set<string>>();
    for (const h of hooks.received.filter((x) => (x.json as { event?: string } | null)?.event === 'incident.notify')) {
      const id = (h.json as { incident: { workflowId: string } }).incident.workflowId;
      keys.set(id, (keys.get(id) ?? new Set()).add(h.headers['idempotency-key']!));
    }
    expect(keys.size).toBe(N);
    expect([...keys.values()].every((k) => k.size === 1)).toBe(true);
    console.log(`storm crash: killed after ${postsAtKill} posts; ${extra} Slack post(s) repeated after the lease`);
  }, 400_000);
});
