import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createWindowForwarder, slaStatus } from '../../app/monitor-client';
import { createIngestToken } from '../../db/ingest-tokens';
import type { VigilConfig } from '../../domain/config';
import { fingerprint } from '../../domain/fingerprint';
import type { IncidentState } from '../../domain/incident-state';
import { createHttpTransport, createReporter, createTemporalTransport, type Reporter } from '../../sdk';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const TOKEN = 'xoxb-sdk-monitor-token';
let services: Services;
let slack: FakeSlack;
let config: VigilConfig;
let incidents: IncidentService;
let api: FastifyInstance;
let apiUrl: string;
let stopWorker: () => Promise<void>;
const reporters: Reporter[] = [];

beforeAll(async () => {
  services = await connectServices();
  slack = await startFakeSlack({ token: TOKEN });
  config = testConfig(
    {
      channels: { slack: { type: 'slack', channel: 'C0SLA' } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['slack'] }] } },
      // One-second windows judged one at a time, so the story takes seconds, not minutes.
      slaDefaults: { evaluationWindow: 1000, openAfter: 2, resolveAfter: 2, minRequests: 5, burnRateAlerts: false },
      incidents: { reopenWindow: '1s' },
    },
    services,
  );
  stopWorker = (await startWorker(services, config, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url })).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({
    incidents,
    client: services.client,
    pool: services.pool,
    logger: silentLogger,
    forwardWindows: createWindowForwarder(services.client, config.temporal.taskQueue),
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const addr = api.server.address();
  apiUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  for (const r of reporters) await r.shutdown();
  await api?.close();
  await stopWorker?.();
  await slack?.close();
  await services?.close();
});

/** Records `perSecond` requests a second for `seconds` at one latency, the way a RAG service would. */
async function traffic(reporter: Reporter, latencyMs: number, seconds: number, perSecond = 20): Promise<void> {
  for (let i = 0; i < seconds * perSecond; i++) {
    reporter.record({ latencyMs, ok: true, qualityScore: 0.9 });
    await new Promise((r) => setTimeout(r, 1000 / perSecond));
  }
}

async function incident(service: string): Promise<IncidentState | undefined> {
  try {
    const d = await incidents.show(fingerprint(service, 'response_time_sla', 'p95'));
    return d.source === 'workflow' ? d.state : undefined;
  } catch {
    return undefined;
  }
}

/** The incident's outcome from the projection: it stays true after the workflow closed. */
async function stored(service: string) {
  const r = await services.pool.query('SELECT incident_id, status, resolved_by FROM incidents WHERE workflow_id = $1', [`incident/${fingerprint(service, 'response_time_sla', 'p95')}`]);
  return r.rows as Array<{ incident_id: string; status: string; resolved_by: string | null }>;
}

describe('SDK → Temporal → service monitor → incident → Slack', () => {
  it('a service that degrades opens one p95 incident (Slack message) and it auto-resolves when it recovers', async () => {
    const service = 'sdk-rag';
    const reporter = createReporter({ service, windowMs: 1000, transport: createTemporalTransport({ client: services.client, taskQueue: config.temporal.taskQueue }) });
    reporters.push(reporter);
    await traffic(reporter, 250, 2); // healthy
    await traffic(reporter, 2600, 4); // p95 2600 ms > 2000 ms for several windows
    const opened = await eventually('the incident', () => incident(service), 20_000);
    expect(opened).toMatchObject({ kind: 'response_time_sla', severity: 'high', details: { threshold: 2000, unit: 'ms' } });
    await eventually('the Slack message', async () => slack.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args.blocks).includes(service)));
    await traffic(reporter, 250, 4); // recovered
    const rows = await eventually('the auto-resolve', async () => {
      const r = await stored(service);
      return r.length > 0 && r.every((x) => x.status === 'resolved') ? r : undefined;
    }, 20_000);
    // one incident for the whole episode, not one per window, resolved by the monitor
    expect(rows).toEqual([{ incident_id: opened.incidentId, status: 'resolved', resolved_by: 'system' }]);
    const events = await services.pool.query('SELECT text FROM incident_events WHERE incident_id = $1 AND type = $2', [opened.incidentId, 'resolved']);
    expect(events.rows[0].text).toMatch(/back within the SLA/);
    const status = await slaStatus(services.client, service);
    expect(status.sla_compliant).toBe(true);
    expect(status.windows).toBeGreaterThanOrEqual(8);
  });
});

describe('SDK → HTTP API → service monitor', () => {
  it('reports over HTTP with a service token; the monitor and metric_windows see the windows', async () => {
    const service = 'http-rag';
    const { token } = await createIngestToken(services.pool, service, 'test');
    const errors: string[] = [];
    const reporter = createReporter({ service, windowMs: 1000, transport: createHttpTransport({ url: apiUrl, token }), onError: (e) => errors.push(e.message) });
    reporters.push(reporter);
    await traffic(reporter, 400, 3);
    await reporter.flush();
    const status = await eventually('the monitor', async () => {
      const s = await slaStatus(services.client, service).catch(() => undefined);
      return s && s.windows >= 2 ? s : undefined;
    }, 20_000);
    expect(status.sla_compliant).toBe(true);
    const rows = await services.pool.query('SELECT count(*)::int AS n, sum(count)::int AS requests FROM metric_windows WHERE service = $1', [service]);
    expect(rows.rows[0].n).toBeGreaterThanOrEqual(2);
    expect(rows.rows[0].requests).toBeGreaterThanOrEqual(50);
    expect(errors).toEqual([]);
  });

  it('a reporter with a token for another service gets nothing in, and says so', async () => {
    const { token } = await createIngestToken(services.pool, 'other-rag', 'test');
    const errors: string[] = [];
    const reporter = createReporter({ service: 'sneaky-rag', windowMs: 1000, transport: createHttpTransport({ url: apiUrl, token }), onError: (e) => errors.push(e.message) });
    reporter.record({ latencyMs: 100, ok: true });
    await reporter.shutdown();
    expect(errors.join('\n')).toMatch(/403/);
    const rows = await services.pool.query("SELECT count(*)::int AS n FROM metric_windows WHERE service = 'sneaky-rag'");
    expect(rows.rows[0].n).toBe(0);
  });
});
