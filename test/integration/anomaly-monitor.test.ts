import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createWindowForwarder, slaStatus } from '../../app/monitor-client';
import { latestModel } from '../../db/anomaly-models';
import { storeWindows } from '../../db/metric-windows';
import { cleanWindows, SERVICE_SHAPES } from '../../domain/anomaly/synthetic-windows';
import type { VigilConfig } from '../../domain/config';
import { fingerprint } from '../../domain/fingerprint';
import type { modelTrainingWorkflow } from '../../workflows/model-training';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { windowOf } from '../support/windows';

let services: Services;
let config: VigilConfig;
let incidents: IncidentService;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  services = await connectServices();
  config = testConfig(
    {
      channels: { console: { type: 'console' } },
      // SLA checks stay quiet (generous thresholds), so only the model can open an incident here.
      slaDefaults: { p95LatencyMs: 60_000, availability: 0.01, minQuality: 0, burnRateAlerts: false, evaluationWindow: '10s' },
      anomalyDetection: { minWindows: 100, openAfter: 2, resolveAfter: 3, lookback: '30d' },
    },
    services,
  );
  stopWorker = (await startWorker(services, config)).stop;
  incidents = createIncidentService({ client: services.client, pool: services.pool, config });
});

afterAll(async () => {
  await stopWorker?.();
  await services?.close();
});

/** Normal traffic with a little noise: ~300 ms, ~1 % errors, quality ~0.85. */
function normal(service: string, start: number, i: number) {
  const jitter = ((i * 7919) % 13) / 13; // deterministic noise
  return windowOf({ service, start, n: 200, latencyMs: 280 + 40 * jitter, errors: i % 3, quality: 0.83 + 0.04 * jitter });
}

const CLASSES = ['performance', 'data_quality', 'security'];

/** The anomaly incidents of `service` that a workflow opened, by class. */
async function openAnomalies(service: string): Promise<string[]> {
  const found: string[] = [];
  for (const cls of CLASSES) if ((await incidents.show(fingerprint(service, 'anomaly', cls)).catch(() => undefined))?.source === 'workflow') found.push(cls);
  return found;
}

/** The verdicts the ML activity stored for the service's windows, oldest first. */
async function verdicts(service: string): Promise<Array<{ t: number; scored: boolean; anomalous: boolean; surprise: number }>> {
  const r = await services.pool.query<{ t: string; verdict: { scored: boolean; anomalous: boolean; surprise: number } }>(
    'SELECT t, verdict FROM anomaly_detector_windows WHERE service = $1 ORDER BY seq',
    [service],
  );
  return r.rows.map((x) => ({ t: Number(x.t), ...x.verdict }));
}

describe('anomaly detection in the running system', () => {
  it('the ModelTraining workflow trains a versioned Isolation Forest from metric_windows', async () => {
    const service = `ml-train-${randomUUID().slice(0, 8)}`;
    const t0 = Date.now() - 3 * 3_600_000;
    const history = Array.from({ length: 300 }, (_, i) => normal(service, t0 + i * 10_000, i));
    await storeWindows(services.pool, { reported: history, sampled: [] }, async () => undefined);

    const results = await services.client.workflow.execute<typeof modelTrainingWorkflow>('modelTrainingWorkflow', {
      workflowId: `model-training-test-${Date.now()}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ mlTaskQueue: config.temporal.mlTaskQueue, lookbackMs: 30 * 86_400_000, minWindows: 100 }],
    });
    expect(results.find((r) => r.service === service)).toMatchObject({ version: 1, windows: 299 });
    expect((await latestModel(services.pool, service))?.detector).toBe('isolation-forest');
  });

  it('the monitor scores every window with the evidence ensemble: clean windows open nothing, an injected anomaly opens exactly one anomaly incident', async () => {
    const service = `ml-rag-${randomUUID().slice(0, 8)}`;
    const shape = SERVICE_SHAPES.find((s) => s.name === 'steady')!;
    // Clean seeded traffic: 700 windows of stored history (the ensemble warms on them at its first live
    // window: its learning period), then 40 live clean windows, all from one generator so they continue it.
    const CLEAN = 40;
    const HISTORY = 700;
    const start = Math.floor(Date.now() / 10_000) * 10_000;
    const all = [...cleanWindows(shape, { service, start: start - HISTORY * 10_000, count: HISTORY + CLEAN, seed: 14 })];
    await storeWindows(services.pool, { reported: all.slice(0, HISTORY), sampled: [] }, async () => undefined);

    const forward = createWindowForwarder(services.client, config.temporal.taskQueue);
    for (const w of all.slice(HISTORY)) await forward([w]);
    // Every clean window judged by the monitor and scored by the ensemble (not skipped for want of a model).
    const clean = await eventually('the clean windows scored', async () => {
      const v = await verdicts(service);
      return v.length >= CLEAN ? v : undefined;
    }, 60_000);
    expect(clean.map((v) => v.scored)).toEqual(Array(CLEAN).fill(true));
    expect(clean.filter((v) => v.anomalous)).toEqual([]);
    await eventually('the monitor counted them', async () => ((await slaStatus(services.client, service)).windows >= CLEAN ? true : undefined), 30_000);
    expect(await openAnomalies(service)).toEqual([]);

    // Then latency and errors jump together (not enough to breach the loose SLA): an anomaly the SLA misses.
    const INJECTED = 6;
    const t1 = start + CLEAN * 10_000;
    for (let i = 0; i < INJECTED; i++) await forward([windowOf({ service, start: t1 + i * 10_000, n: 200, latencyMs: 5_000, errors: 60, quality: 0.85 })]);
    const opened = await eventually('the anomaly incident', async () => {
      for (const cls of CLASSES) {
        const d = await incidents.show(fingerprint(service, 'anomaly', cls)).catch(() => undefined);
        if (d?.source === 'workflow') return d.state;
      }
      return undefined;
    }, 60_000);
    await eventually('the injected windows scored', async () => ((await verdicts(service)).length >= CLEAN + INJECTED ? true : undefined), 60_000);
    expect((await verdicts(service)).slice(CLEAN).every((v) => v.scored && v.anomalous)).toBe(true);
    // Exactly one incident: its class is performance, its evidence names the planted deviations.
    expect(await openAnomalies(service)).toEqual(['performance']);
    expect(opened).toMatchObject({ kind: 'anomaly', severity: 'medium', details: { unit: 'score' } });
    expect(opened.title).toMatch(/Anomalous behaviour \(performance\): .*\bp95Ms\b.* deviate/);
    expect(opened.title).toMatch(/\berrorRate\b/);
    expect(opened.details.impact).toMatch(/The ensemble \(.+\) scored this window/);
  });
});
