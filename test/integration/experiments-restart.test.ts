import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperimentService, type ExperimentService } from '../../app/experiment-service';
import { getExperiment } from '../../db/experiments';
import { createRng } from '../../domain/anomaly/rng';
import type { VigilConfig } from '../../domain/config';
import { DEFAULT_TRUTH, simulateWindow } from '../../domain/experiments/simulate';
import type { ExperimentOutcome } from '../../workflows/experiment-messages';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';

let services: Services;
let config: VigilConfig;
let experiments: ExperimentService;

beforeAll(async () => {
  services = await connectServices();
  config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  experiments = createExperimentService({ client: services.client, pool: services.pool, config });
});
afterAll(async () => services?.close());

describe('experiments on the dev server with the real core worker', () => {
  // The worker stops mid-experiment, a window arrives while none runs, a new worker takes over: it
  // rebuilds the state from history and the totals go on from where they were.
  it('an experiment survives its worker being replaced', { timeout: 180_000 }, async () => {
    const name = `restart-${randomUUID().slice(0, 8)}`;
    let worker = await startWorker(services, config);
    try {
      const created = await experiments.create(
        {
          name,
          service: 'search-rag',
          variants: [
            { name: 'control', weight: 0.5 },
            { name: 'b', weight: 0.5 },
          ],
          primary: 'quality',
          mde: 0.001,
          stopForFutility: false,
          unitsPerDay: 1000,
        },
        'test',
      );
      const rng = createRng(31);
      const send = (i: number) => experiments.ingest(simulateWindow(rng, name, { control: DEFAULT_TRUTH, b: DEFAULT_TRUTH }, 400, Date.UTC(2026, 11, 9) + i * 10_000));
      const looked = (n: number) => eventually(`look ${n}`, async () => ((await getExperiment(services.pool, name))?.look ?? 0) >= n || undefined, 60_000);
      for (let i = 0; i < 3; i++) {
        await send(i);
        await looked(i + 1);
      }
      const before = (await experiments.status(name)).live!;
      await worker.stop();
      await send(3); // kept in the workflow's history until a worker runs it
      worker = await startWorker(services, config);
      await looked(4);
      const after = (await experiments.status(name)).live!;
      expect(after.look).toBe(4);
      expect(after.requests.control! + after.requests.b!).toBe(before.requests.control! + before.requests.b! + 400);
      await experiments.act(name, 'stop', 'test');
      expect(((await services.client.workflow.getHandle(created.workflowId).result()) as ExperimentOutcome).decision).toBe('stopped');
    } finally {
      await worker.stop();
    }
  });
});
