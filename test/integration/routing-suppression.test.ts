import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { ledgerRows } from '../../db/notification-ledger';
import type { VigilConfig } from '../../domain/config';
import type { IncidentState } from '../../domain/incident-state';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const GOOD = 'xoxb-routing-good-token';
let services: Services;
let slack: FakeSlack;
let config: VigilConfig;
let incidents: IncidentService;
let api: FastifyInstance;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: GOOD });
  config = testConfig(
    {
      channels: {
        console: { type: 'console' },
        'slack-search': { type: 'slack', channel: 'C0SEARCH' },
        // The worker's token is wrong for this one's workspace only in spirit: the fake answers invalid_auth to it below.
        'slack-broken': { type: 'slack', channel: 'C0BROKEN', fallback: 'console' },
      },
      escalationPolicies: {
        default: { levels: [{ delay: 0, targets: ['console'] }] },
        search: { levels: [{ delay: 0, targets: ['slack-search'] }] },
        broken: { levels: [{ delay: 0, targets: ['slack-broken'] }] },
      },
      routes: {
        routes: [
          { matchers: ['service=~"search-.*"'], policy: 'search' },
          { matchers: ['team="fragile"'], policy: 'broken' },
        ],
      },
      inhibitRules: [{ sourceMatchers: ['kind="availability_sla"', 'severity="critical"'], targetMatchers: ['kind=~"response_time_sla|quality_sla"'], equal: ['service'] }],
      incidents: { muteRecheck: '1s' },
    },
    services,
  );
  stopWorker = (await startWorker(services, config, { SLACK_BOT_TOKEN: GOOD, SLACK_API_URL: slack.url })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger });
  await api.ready();
});

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await slack?.close();
  await services?.close();
});

async function live(fingerprint: string): Promise<IncidentState> {
  const d = await incidents.show(fingerprint);
  if (d.source !== 'workflow') throw new Error('incident is closed');
  return d.state;
}

async function raise(body: Record<string, unknown>) {
  const res = await api.inject({ method: 'POST', url: '/v1/incidents', payload: { severity: 'high', title: 'slow', ...body } });
  expect(res.statusCode).toBe(202);
  return res.json() as { workflowId: string; fingerprint: string };
}

describe('routing', () => {
  it('routes by labels: a search-* service escalates with the search policy to its Slack channel', async () => {
    const r = await raise({ service: 'search-api', kind: 'response_time_sla' });
    const s = await eventually('the Slack post', async () => {
      const st = await live(r.fingerprint);
      return st.timeline.some((e) => e.type === 'notified') ? st : undefined;
    });
    expect(s.policyName).toBe('search');
    expect(slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toContain('C0SEARCH');
  });
});

describe('channel failure', () => {
  it('falls back when a channel keeps failing, and the timeline says why', async () => {
    slack.failNext(1, { error: 'invalid_auth', method: 'chat.postMessage' }); // non-retryable: no point retrying a bad token
    const r = await raise({ service: 'fragile-rag', kind: 'quality_sla', labels: { team: 'fragile' } });
    const s = await eventually('the fallback delivery', async () => {
      const st = await live(r.fingerprint);
      return st.timeline.some((e) => e.type === 'notified' && /console/.test(e.text)) ? st : undefined;
    });
    const lines = s.timeline.map((e) => `${e.type}: ${e.text}`);
    expect(lines).toContainEqual(expect.stringMatching(/^notify_failed: Notifying slack-broken failed: .*invalid_auth/));
    expect(lines).toContainEqual(expect.stringMatching(/^fallback: slack-broken kept failing; falling back to console/));
    const ledger = await ledgerRows(services.pool, r.workflowId);
    expect(ledger.map((l) => [l.target, l.status])).toEqual([
      ['slack-broken', 'failed'],
      ['slack-broken>console', 'sent'],
    ]);
  });
});

describe('silences', () => {
  it('a silence created over the API mutes matching incidents; expiring it lets the page out', async () => {
    const created = await api.inject({
      method: 'POST',
      url: '/v1/silences',
      payload: { matchers: ['service="maint-rag"'], duration: '1h', createdBy: 'ops', comment: 'reindexing' },
    });
    expect(created.statusCode).toBe(201);
    const silence = created.json() as { id: string };
    const r = await raise({ service: 'maint-rag', kind: 'quality_sla' });
    const muted = await eventually('the held step', async () => {
      const st = await live(r.fingerprint);
      return st.held ? st : undefined;
    });
    expect(muted.timeline.find((e) => e.type === 'suppressed')?.text).toMatch(/held back: silenced by ops \(reindexing; service="maint-rag"\)/);
    expect(await ledgerRows(services.pool, r.workflowId)).toEqual([]);

    expect((await api.inject({ method: 'DELETE', url: `/v1/silences/${silence.id}` })).statusCode).toBe(204);
    await eventually('the page after the silence', async () => (await live(r.fingerprint)).timeline.some((e) => e.type === 'notified'), 15_000);
    expect((await live(r.fingerprint)).timeline.map((e) => e.type)).toContain('released');
  });

  it.each([
    // each case: body, the field the 400 names
    [{ matchers: ['service="x"'], duration: '1h', createdBy: 'ops' }, 'body.comment'],
    [{ matchers: ['service=x"'], duration: '1h', createdBy: 'ops', comment: 'c' }, 'body.matchers.0'],
    [{ matchers: ['service="x"'], createdBy: 'ops', comment: 'c' }, 'body.endsAt'],
    [{ matchers: ['service="x"'], endsAt: '2001-01-01T00:00:00Z', createdBy: 'ops', comment: 'c' }, 'body.endsAt'],
  ])('refuses a bad silence %j naming %s, storing nothing', async (payload, field) => {
    const before = (await services.pool.query('SELECT count(*)::int AS n FROM silences')).rows[0].n;
    const res = await api.inject({ method: 'POST', url: '/v1/silences', payload });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toContain(field);
    expect((await services.pool.query('SELECT count(*)::int AS n FROM silences')).rows[0].n).toBe(before);
  });
});

describe('inhibition', () => {
  it('an open critical availability incident mutes latency pages for the same service until it resolves', async () => {
    const source = await raise({ service: 'inhibit-rag', kind: 'availability_sla', severity: 'critical', title: 'availability 97%' });
    await eventually('the source in the projection', async () => {
      const r = await services.pool.query("SELECT 1 FROM incidents WHERE workflow_id = $1 AND status <> 'resolved'", [source.workflowId]);
      return r.rowCount === 1;
    });
    const target = await raise({ service: 'inhibit-rag', kind: 'response_time_sla' });
    const other = await raise({ service: 'other-rag', kind: 'response_time_sla' });
    const held = await eventually('the inhibited step', async () => (await live(target.fingerprint)).held ?? undefined);
    expect(held.reason).toMatch(/inhibited by open critical availability_sla incident .* on inhibit-rag/);
    await eventually('the other service paged', async () => (await live(other.fingerprint)).timeline.some((e) => e.type === 'notified'));

    await incidents.act(source.fingerprint, { type: 'resolve', by: 'alice' });
    await eventually('the target paged after the source resolved', async () => (await live(target.fingerprint)).timeline.some((e) => e.type === 'notified'), 15_000);
  });
});
