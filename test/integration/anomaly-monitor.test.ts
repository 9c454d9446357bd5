import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { createWindowForwarder, slaStatus } from '../../app/monitor-client';
import { latestModel } from '../../db/anomaly-models';
import { storeWindows } from '../../db/metric-windows';
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

describe('anomaly detection in the running system', () => {
  it('the ModelTraining workflow trains a versioned model from metric_windows; the monitor scores windows on vigil-ml and opens an anomaly incident', async () => {
    const service = 'ml-rag';
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

    // Live windows: normal ones first, which must open nothing of any class.
    const forward = createWindowForwarder(services.client, config.temporal.taskQueue);
    const start = Date.now();
    const classes = ['performance', 'data_quality', 'security'];
    const openAnomalies = async () => {
      const found: string[] = [];
      for (const cls of classes) if ((await incidents.show(fingerprint(service, 'anomaly', cls)).catch(() => undefined))?.source === 'workflow') found.push(cls);
      return found;
    };
    for (let i = 0; i < 8; i++) await forward([normal(service, start + i * 10_000, i)]);
    // The 8th window judged (its scoring awaited before the next) means the first 7 were; the hysteresis needs 2 in a row.
    await eventually('the normal windows judged', async () => ((await slaStatus(services.client, service)).windows >= 8 ? true : undefined), 30_000);
    expect(await openAnomalies()).toEqual([]);

    // Then errors and latency jump together while answers stay good (not enough to breach the loose SLA).
    for (let i = 0; i < 4; i++) await forward([windowOf({ service, start: start + (8 + i) * 10_000, n: 200, latencyMs: 5_000, errors: 60, quality: 0.85 })]);
    const opened = await eventually('the anomaly incident', async () => {
      for (const cls of classes) {
        const d = await incidents.show(fingerprint(service, 'anomaly', cls)).catch(() => undefined);
        if (d?.source === 'workflow') return d.state;
      }
      return undefined;
    }, 30_000);
    // One incident, whose evidence names the planted deviations. (Its class is the classifier's call: here the
    // quality change from the previous window, whose learned spread is tiny, outweighs them.)
    expect(await openAnomalies()).toHaveLength(1);
    expect(opened).toMatchObject({ kind: 'anomaly', severity: 'medium', details: { unit: 'score' } });
    expect(opened.title).toMatch(/Anomalous behaviour \(.+\): .*\bp95Ms\b.* deviate/);
    expect(opened.title).toMatch(/\berrorRate\b/);
    expect(opened.details.impact).toMatch(/Model v1 scored this window/);
  });
});
