import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService } from '../../app/incident-service';
import { ledgerRows } from '../../db/notification-ledger';
import type { IncidentState } from '../../domain/incident-state';
import { violationSchema } from '../../domain/violation';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, type Services } from '../support/integration';
import { spawnVigil, type VigilProcess } from '../support/processes';
import { workerConfigFile } from '../support/worker-config-file';

const TOKEN = 'xoxb-crash-test-token';
const CHANNEL = 'C0CRASH';

let services: Services;
let slack: FakeSlack;
let dir: string;
const workers: VigilProcess[] = [];

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await slack?.close();
  await services?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a worker killed mid-escalation', () => {
  it('notifies each escalation step exactly once after a new worker takes over (ledger and Slack agree)', async () => {
    const input = {
      channels: { slack: { type: 'slack' as const, channel: CHANNEL } },
      escalationPolicies: {
        default: {
          levels: [
            { delay: 0, targets: ['slack'] },
            { delay: '6s', targets: ['slack'] },
            { delay: '3s', targets: ['slack'] },
          ],
        },
      },
    };
    const { config, env } = workerConfigFile(dir, input, services, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url });

    const first = spawnVigil(['worker'], env);
    workers.push(first);
    await first.waitFor(/worker polling/);

    const incidents = createIncidentService({ client: services.client, pool: services.pool, config });
    const r = await incidents.raise(violationSchema.parse({ service: 'crash-rag', kind: 'quality_sla', severity: 'medium', title: 'quality 0.61 < 0.70' }));
    await eventually('level 1 recorded as notified', async () => {
      const d = await incidents.show(r.fingerprint);
      return (d as { state: IncidentState }).state.timeline.some((e) => e.type === 'notified');
    });

    // t≈0: level 1 sent, level 2's durable timer pending. Kill the worker without any chance to clean up.
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = spawnVigil(['worker'], env);
    workers.push(second);
    await second.waitFor(/worker polling/);

    const state = await eventually(
      'level 3 to be notified by the new worker',
      async () => {
        const d = await incidents.show(r.fingerprint);
        const s = (d as { state: IncidentState }).state;
        return s.timeline.filter((e) => e.type === 'notified').length === 3 ? s : undefined;
      },
      60_000,
    );
    second.child.kill('SIGTERM');
    await second.exited;

    const steps = ['1.e1.p0.l1', '2.e1.p0.l2', '3.e1.p0.l3'];
    expect(state.timeline.filter((e) => e.type === 'escalated').map((e) => e.data?.step)).toEqual(steps);
    const ledger = await ledgerRows(services.pool, r.workflowId);
    // Each step exactly once, but not necessarily in step order: when the new worker arrives after more than
    // one level fell due, the workflow sends those levels together (one batch of effects).
    expect(ledger.map((l) => [l.step, l.status, l.attempts]).sort()).toEqual(steps.map((s) => [s, 'sent', 1]));
    // Slack saw one new message (level 1) and one thread reply per later level: nothing twice.
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
    expect(posts.filter((c) => c.args.thread_ts !== undefined)).toHaveLength(2);
  });
});
