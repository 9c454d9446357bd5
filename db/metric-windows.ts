import type { Pool, PoolClient } from 'pg';
import { mergeSketches, quantile, type LatencySketch } from '../domain/latency-sketch';
import { RAW_SAMPLES_SOURCE } from '../domain/metrics-input';
import type { WindowSummary } from '../domain/window-summary';
import { inTransaction } from './pool';

/** What storing a batch did: the windows that are new (to forward) and how many were already there. */
export interface StoreOutcome {
  stored: WindowSummary[];
  duplicates: number;
}

const COLUMNS = [
  'service', 'window_start', 'source', 'duration_ms', 'count', 'errors', 'p50_ms', 'p95_ms', 'p99_ms', 'quality_avg', 'quality_count',
  'cost_usd', 'tokens', 'satisfaction_avg', 'satisfaction_count', 'dropped', 'sketch',
] as const;
// 17 parameters a row: 1000 rows stay far below Postgres' 65,535 bind parameters.
const ROWS_PER_INSERT = 1000;

const finiteOrNull = (n: number) => (Number.isFinite(n) ? n : null);
/** The row a window is stored in: per service, start and source; raw-sample windows share one source. */
const rowSource = (w: WindowSummary, sampled: boolean) => (sampled ? RAW_SAMPLES_SOURCE : (w.source ?? ''));
const key = (w: { service: string; start: number }, source: string) => `${w.service}\u0000${w.start}\u0000${source}`;
const byKey = (a: WindowSummary, b: WindowSummary) =>
  a.service !== b.service ? (a.service < b.service ? -1 : 1) : a.start !== b.start ? a.start - b.start : (a.source ?? '') < (b.source ?? '') ? -1 : 1;

function rowValues(w: WindowSummary, source: string): unknown[] {
  return [
    w.service, new Date(w.start), source, w.durationMs, w.count, w.errors,
    finiteOrNull(quantile(w.latency, 0.5)), finiteOrNull(quantile(w.latency, 0.95)), finiteOrNull(quantile(w.latency, 0.99)),
    w.qualityCount > 0 ? w.qualitySum / w.qualityCount : null, w.qualityCount, w.costUsdSum, w.tokensSum,
    w.satisfactionCount > 0 ? w.satisfactionSum / w.satisfactionCount : null, w.satisfactionCount, w.dropped, JSON.stringify(w.latency),
  ];
}

/** One multi-row INSERT … ON CONFLICT DO NOTHING per chunk; returns the keys actually inserted. */
async function insertNew(db: PoolClient, windows: WindowSummary[], sampled: boolean): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < windows.length; i += ROWS_PER_INSERT) {
    const chunk = windows.slice(i, i + ROWS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map((w) => {
      const values = rowValues(w, rowSource(w, sampled));
      const base = params.length;
      params.push(...values);
      return `(${values.map((_, j) => `$${base + j + 1}`).join(',')})`;
    });
    const r = await db.query<{ service: string; window_start: Date; source: string }>(
      `INSERT INTO metric_windows (${COLUMNS.join(', ')}) VALUES ${tuples.join(',')}
       ON CONFLICT (service, window_start, source) DO NOTHING RETURNING service, window_start, source`,
      params,
    );
    for (const row of r.rows) inserted.add(key({ service: row.service, start: row.window_start.getTime() }, row.source));
  }
  return inserted;
}

interface StoredRow {
  duration_ms: number;
  count: string;
  errors: string;
  quality_avg: number | null;
  quality_count: string;
  cost_usd: number;
  tokens: string;
  satisfaction_avg: number | null;
  satisfaction_count: string;
  dropped: string;
  sketch: LatencySketch;
}

/** Adds a partial window (from raw samples) into the stored one; the row is locked, so concurrent batches add up. */
async function mergeInto(db: PoolClient, w: WindowSummary): Promise<void> {
  const r = await db.query<StoredRow>(
    `SELECT duration_ms, count, errors, quality_avg, quality_count, cost_usd, tokens, satisfaction_avg, satisfaction_count, dropped, sketch
     FROM metric_windows WHERE service = $1 AND window_start = $2 AND source = $3 FOR UPDATE`,
    [w.service, new Date(w.start), RAW_SAMPLES_SOURCE],
  );
  const old = r.rows[0]!;
  const qualityCount = Number(old.quality_count);
  const satisfactionCount = Number(old.satisfaction_count);
  const merged: WindowSummary = {
    service: w.service,
    start: w.start,
    durationMs: Math.max(old.duration_ms, w.durationMs),
    count: Number(old.count) + w.count,
    errors: Number(old.errors) + w.errors,
    latency: mergeSketches(old.sketch, w.latency),
    qualitySum: (old.quality_avg ?? 0) * qualityCount + w.qualitySum,
    qualityCount: qualityCount + w.qualityCount,
    costUsdSum: old.cost_usd + w.costUsdSum,
    tokensSum: Number(old.tokens) + w.tokensSum,
    satisfactionSum: (old.satisfaction_avg ?? 0) * satisfactionCount + w.satisfactionSum,
    satisfactionCount: satisfactionCount + w.satisfactionCount,
    dropped: Number(old.dropped) + w.dropped,
  };
  const values = rowValues(merged, RAW_SAMPLES_SOURCE);
  await db.query(
    `UPDATE metric_windows SET ${COLUMNS.slice(3).map((c, j) => `${c} = $${j + 4}`).join(', ')}, received_at = now()
     WHERE service = $1 AND window_start = $2 AND source = $3`,
    values,
  );
}

/**
 * Stores one ingest batch in one transaction. Reported windows are idempotent: a window already
 * stored (same service, start and source) is a duplicate and left alone. Windows summarised from
 * raw samples carry no identity, so they add into one row per service and start instead. `beforeCommit` gets the
 * new windows and runs inside the transaction: when it fails (the monitor is unreachable),
 * nothing is stored and the client's retry is not mistaken for a duplicate.
 */
export async function storeWindows(
  pool: Pool,
  batch: { reported: WindowSummary[]; sampled: WindowSummary[] },
  beforeCommit: (stored: WindowSummary[]) => Promise<void>,
): Promise<StoreOutcome> {
  // A window sent twice in one batch counts once; sorting makes concurrent batches lock rows in the same order.
  const unique = new Map<string, WindowSummary>();
  for (const w of batch.reported) if (!unique.has(key(w, rowSource(w, false)))) unique.set(key(w, rowSource(w, false)), w);
  const reported = [...unique.values()].sort(byKey);
  const sampled = [...batch.sampled].sort(byKey);

  return inTransaction(pool, async (db) => {
    const inserted = reported.length ? await insertNew(db, reported, false) : new Set<string>();
    const stored = reported.filter((w) => inserted.has(key(w, rowSource(w, false))));
    const sampledNew = sampled.length ? await insertNew(db, sampled, true) : new Set<string>();
    for (const w of sampled) if (!sampledNew.has(key(w, RAW_SAMPLES_SOURCE))) await mergeInto(db, w);
    stored.push(...sampled);
    await beforeCommit(stored);
    return { stored, duplicates: batch.reported.length - inserted.size };
  });
}

/** Per-service SLIs over windows starting in the last `sinceMs`, with the latency sketches merged in SQL. */
export interface ServiceSli {
  service: string;
  requests: number;
  errors: number;
  qualityAvg: number | null;
  latency: LatencySketch;
}

/** The recent SLIs of every service that reported, for /metrics; buckets are summed by Postgres, not shipped per window. */
export async function recentServiceSlis(pool: Pool, sinceMs: number): Promise<ServiceSli[]> {
  const since = [new Date(Date.now() - sinceMs)];
  const [totals, sketches, buckets] = await Promise.all([
    pool.query<{ service: string; requests: string; errors: string; quality: number | null }>(
      `SELECT service, sum(count) AS requests, sum(errors) AS errors,
              sum(quality_avg * quality_count) / nullif(sum(quality_count), 0) AS quality
       FROM metric_windows WHERE window_start >= $1 GROUP BY service ORDER BY service`,
      since,
    ),
    pool.query<{ service: string; alpha: number; zero: string; n: string; sum: number; min: number | null; max: number | null }>(
      `SELECT service, (sketch->>'alpha')::float8 AS alpha, sum((sketch->>'zeroCount')::bigint) AS zero,
              sum((sketch->>'count')::bigint) AS n, sum((sketch->>'sum')::float8) AS sum,
              min((sketch->>'min')::float8) FILTER (WHERE (sketch->>'count')::bigint > 0) AS min,
              max((sketch->>'max')::float8) AS max
       FROM metric_windows WHERE window_start >= $1 GROUP BY 1, 2`,
      since,
    ),
    pool.query<{ service: string; alpha: number; k: string; n: string }>(
      `SELECT service, (sketch->>'alpha')::float8 AS alpha, b.key AS k, sum(b.value::bigint) AS n
       FROM metric_windows, jsonb_each_text(sketch->'buckets') AS b
       WHERE window_start >= $1 GROUP BY 1, 2, 3`,
      since,
    ),
  ]);
  const id = (r: { service: string; alpha: number }) => `${r.service}\u0000${r.alpha}`;
  const bucketsOf = new Map<string, Record<string, number>>();
  for (const b of buckets.rows) {
    const m = bucketsOf.get(id(b)) ?? {};
    m[b.k] = Number(b.n);
    bucketsOf.set(id(b), m);
  }
  // Sketches of different accuracy cannot merge; a service that changed alpha keeps the one with more values.
  const sketchOf = new Map<string, LatencySketch>();
  for (const r of sketches.rows) {
    const sketch: LatencySketch = {
      alpha: r.alpha,
      buckets: bucketsOf.get(id(r)) ?? {},
      zeroCount: Number(r.zero),
      count: Number(r.n),
      sum: r.sum,
      min: r.min ?? 0,
      max: r.max ?? 0,
    };
    if ((sketchOf.get(r.service)?.count ?? -1) < sketch.count) sketchOf.set(r.service, sketch);
  }
  return totals.rows.map((t) => ({
    service: t.service,
    requests: Number(t.requests),
    errors: Number(t.errors),
    qualityAvg: t.quality,
    latency: sketchOf.get(t.service)!,
  }));
}

/** A metric_windows row as read back (bigints arrive as strings). */
export interface WindowRow {
  window_start: Date; duration_ms: number; count: string; errors: string; quality_avg: number | null; quality_count: string;
  cost_usd: number; tokens: string; satisfaction_avg: number | null; satisfaction_count: string; dropped: string; sketch: LatencySketch;
}

/** The stored row as the WindowSummary it came from: the table keeps means and counts, sums are what merge. */
export function windowFromRow(row: WindowRow, service: string, source?: string): WindowSummary {
  const qc = Number(row.quality_count);
  const sc = Number(row.satisfaction_count);
  return {
    service,
    ...(source !== undefined ? { source } : {}),
    start: row.window_start.getTime(),
    durationMs: row.duration_ms,
    count: Number(row.count),
    errors: Number(row.errors),
    latency: row.sketch,
    qualitySum: (row.quality_avg ?? 0) * qc,
    qualityCount: qc,
    costUsdSum: row.cost_usd,
    tokensSum: Number(row.tokens),
    satisfactionSum: (row.satisfaction_avg ?? 0) * sc,
    satisfactionCount: sc,
    dropped: Number(row.dropped),
  };
}

/**
 * A service's windows since `since`, oldest first, with the replicas' windows for one start merged
 * into one (what model training learns from). Bounded by `limit` most recent starts.
 */
export async function serviceWindows(pool: Pool, service: string, since: number, limit = 20_000): Promise<WindowSummary[]> {
  const r = await pool.query<WindowRow>(
    `SELECT * FROM (SELECT window_start, duration_ms, count, errors, quality_avg, quality_count, cost_usd, tokens, satisfaction_avg,
              satisfaction_count, dropped, sketch
            FROM metric_windows WHERE service = $1 AND window_start >= $2 ORDER BY window_start DESC LIMIT $3) w
     ORDER BY window_start`,
    [service, new Date(since), limit],
  );
  const byStart = new Map<number, WindowSummary>();
  for (const row of r.rows) {
    const w = windowFromRow(row, service);
    const prev = byStart.get(w.start);
    byStart.set(w.start, prev ? mergeWindows(prev, w) : w);
  }
  return [...byStart.values()];
}

/** Two windows of one service and start (two replicas) as one. */
export function mergeWindows(a: WindowSummary, b: WindowSummary): WindowSummary {
  return {
    ...a,
    count: a.count + b.count,
    errors: a.errors + b.errors,
    latency: mergeSketches(a.latency, b.latency),
    qualitySum: a.qualitySum + b.qualitySum,
    qualityCount: a.qualityCount + b.qualityCount,
    costUsdSum: a.costUsdSum + b.costUsdSum,
    tokensSum: a.tokensSum + b.tokensSum,
    satisfactionSum: a.satisfactionSum + b.satisfactionSum,
    satisfactionCount: a.satisfactionCount + b.satisfactionCount,
    dropped: a.dropped + b.dropped,
  };
}
