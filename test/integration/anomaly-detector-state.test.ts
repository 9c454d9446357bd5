import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_EVERY, createWindowScoring } from '../../activities/ml/window-scoring';
import { cleanWindows, SERVICE_SHAPES } from '../../domain/anomaly/synthetic-windows';
import { createWindowEnsemble, judgeWindow, windowPoint } from '../../domain/anomaly/window-scorer';
import type { WindowSummary } from '../../domain/window-summary';
import { connectServices, silentLogger, type Services } from '../support/integration';

let services: Services;

beforeAll(async () => {
  services = await connectServices();
});

afterAll(async () => {
  await services?.close();
});

const steady = SERVICE_SHAPES.find((s) => s.name === 'steady')!;

async function rows(service: string): Promise<{ windows: number; headSeq: number; checkpointSeq: number; snapshotKb: number }> {
  const w = await services.pool.query<{ n: string }>('SELECT count(*) AS n FROM anomaly_detector_windows WHERE service = $1', [service]);
  const s = await services.pool.query<{ head_seq: string; checkpoint_seq: string; kb: number }>(
    'SELECT head_seq, checkpoint_seq, length(snapshot) / 1024 AS kb FROM anomaly_detector_state WHERE service = $1',
    [service],
  );
  return { windows: Number(w.rows[0]!.n), headSeq: Number(s.rows[0]!.head_seq), checkpointSeq: Number(s.rows[0]!.checkpoint_seq), snapshotKb: s.rows[0]!.kb };
}

describe('the anomaly ensemble\'s state in Postgres (scoreWindow)', () => {
  it('two workers taking turns score exactly as one detector in memory would, across checkpoints; a retry returns the verdict it got; a late window is skipped', async () => {
    const service = `state-${randomUUID().slice(0, 8)}`;
    // Two activity instances with their own caches: two vigil-ml workers.
    const a = createWindowScoring({ pool: services.pool, logger: silentLogger });
    const b = createWindowScoring({ pool: services.pool, logger: silentLogger });
    const reference = createWindowEnsemble();
    const total = CHECKPOINT_EVERY + 60;
    const windows = [...cleanWindows({ ...steady, errorRate: 0.02 }, { service, start: Date.UTC(2026, 0, 5), count: total, seed: 21 })];
    let previous: WindowSummary | undefined;
    for (let i = 0; i < total; i++) {
      const w = windows[i]!;
      // Turns of 50 windows: each worker's cache goes stale while the other scores, and must be noticed.
      const scorer = Math.floor(i / 50) % 2 === 0 ? a : b;
      const verdict = await scorer({ service, window: w, ...(previous ? { previous } : {}) });
      const expected = judgeWindow(reference, windowPoint(w, previous));
      expect(verdict, `window ${i}`).toMatchObject({ scored: true, seq: i + 1, surprise: expected.surprise, anomalous: expected.anomalous });
      previous = w;
    }
    const state = await rows(service);
    expect(state.headSeq).toBe(total);
    expect(state.checkpointSeq).toBe(CHECKPOINT_EVERY + 1);
    // Rows kept: those since the first checkpoint (seq 1), for retries; the rest were dropped with it.
    expect(state.windows).toBe(total - 1);
    expect(state.snapshotKb).toBeGreaterThan(10);

    // A retried activity (same window, the other worker): the verdict it got, nothing applied twice.
    const last = windows[total - 1]!;
    const again = await a({ service, window: last, previous: windows[total - 2]! });
    expect(again).toMatchObject({ seq: total, replayed: true });
    expect((await rows(service)).headSeq).toBe(total);

    // A window older than the newest applied cannot be learned in time order: skipped, said why.
    const late = { ...windows[10]!, source: 'late-replica' };
    expect(await b({ service, window: late })).toMatchObject({ scored: false, reason: expect.stringMatching(/after a later one/) });
    expect((await rows(service)).headSeq).toBe(total);

    // And the next window still matches the reference, on either worker.
    const next = [...cleanWindows({ ...steady, errorRate: 0.02 }, { service, start: last.start + 10_000, count: 1, seed: 22 })][0]!;
    const expected = judgeWindow(reference, windowPoint(next, last));
    expect(await b({ service, window: next, previous: last })).toMatchObject({ seq: total + 1, surprise: expected.surprise });
  }, 180_000);

  it('a state that cannot be restored is relearned from stored windows, not a failure of every later window', async () => {
    const service = `state-${randomUUID().slice(0, 8)}`;
    const windows = [...cleanWindows(steady, { service, start: Date.UTC(2026, 0, 5), count: 3, seed: 23 })];
    const a = createWindowScoring({ pool: services.pool, logger: silentLogger });
    await a({ service, window: windows[0]! });
    await services.pool.query(`UPDATE anomaly_detector_state SET snapshot = '{"kind":"evidence","version":1}' WHERE service = $1`, [service]);
    // Another worker, which must read the state from Postgres.
    const b = createWindowScoring({ pool: services.pool, logger: silentLogger });
    expect(await b({ service, window: windows[1]!, previous: windows[0]! })).toMatchObject({ scored: true, seq: 2 });
    const state = await rows(service);
    expect(state).toMatchObject({ headSeq: 2, checkpointSeq: 2 });
    expect(await createWindowScoring({ pool: services.pool, logger: silentLogger })({ service, window: windows[2]!, previous: windows[1]! })).toMatchObject({ scored: true, seq: 3 });
  }, 60_000);
});
