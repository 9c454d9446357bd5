import { z } from 'zod';
import { DEFAULT_ALPHA, SketchAccumulator, TRACKED_MAX_MS, TRACKED_MIN_MS, type LatencySketch } from './latency-sketch';
import { nameSchema } from './names';
import { safeLine } from './text-schema';
import type { WindowSummary } from './window-summary';

/** Most entries (windows + samples) one ingest request may carry. */
export const MAX_BATCH_ENTRIES = 1000;
/** Raw samples are summarised into windows of this length, aligned to the epoch (like the SDK's). */
export const SAMPLE_WINDOW_MS = 10_000;
/**
 * Source of windows summarised from raw samples. Raw samples have no identity, so each request's
 * windows get a source of their own (`~samples:<request>`) and add up in the monitor; stored, they
 * add up in one row per service and start under this source. Reporters' sources cannot start with "~".
 */
export const RAW_SAMPLES_SOURCE = '~samples';

const count = z.number().int().min(0);
const amount = z.number().min(0); // zod 4 numbers are finite: NaN and ±Infinity fail here too
// Sums of scores in [0, 1] may exceed their count only by float rounding.
const EPSILON = 1e-9;

/** A LatencySketch as JSON: integer bucket keys, non-negative counts, and totals that agree. */
export const latencySketchSchema = z
  .object({
    alpha: z.number().min(0.0001, 'alpha must be at least 0.0001').max(0.1, 'alpha must be at most 0.1'),
    buckets: z.record(z.string().regex(/^(0|-?[1-9][0-9]{0,6})$/), count, {
      error: (issue) => (issue.code === 'invalid_key' ? 'bucket keys are integers (bucket indices)' : undefined),
    }),
    zeroCount: count,
    count,
    sum: amount,
    min: amount,
    max: amount,
  })
  .strict()
  .superRefine((s, ctx) => {
    const inBuckets = Object.values(s.buckets).reduce((a, n) => a + n, 0);
    if (s.zeroCount + inBuckets !== s.count) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: `count ${s.count} ≠ zeroCount + bucket counts (${s.zeroCount + inBuckets})` });
    }
    if (s.count === 0 && (s.sum !== 0 || s.min !== 0 || s.max !== 0)) {
      ctx.addIssue({ code: 'custom', path: ['sum'], message: 'an empty sketch has sum, min and max 0' });
    }
    if (s.min > s.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${s.min} > max ${s.max}` });
  });

/**
 * The sketch re-bucketed at DEFAULT_ALPHA. A monitor merges every window of its service (replicas,
 * raw samples) and cannot merge sketches of different accuracy: one SDK configured with another
 * alpha failed the monitor's workflow task on every window after it (found by schemathesis). Each
 * bucket's count moves to the bucket holding its representative value; zeros, count, sum, min and
 * max are unchanged, so the sketch stays exact in those and within both accuracies in quantiles.
 */
export function atMonitorAccuracy(s: LatencySketch): LatencySketch {
  if (s.alpha === DEFAULT_ALPHA) return s;
  const lnGamma = (alpha: number) => Math.log((1 + alpha) / (1 - alpha));
  const from = lnGamma(s.alpha);
  const to = lnGamma(DEFAULT_ALPHA);
  const lowest = Math.ceil(Math.log(TRACKED_MIN_MS) / to);
  const highest = Math.ceil(Math.log(TRACKED_MAX_MS) / to);
  const buckets: Record<string, number> = {};
  for (const [key, n] of Object.entries(s.buckets)) {
    if (n === 0) continue;
    const value = Math.exp(Number(key) * from) * (2 / (Math.exp(from) + 1));
    const index = Math.min(highest, Math.max(lowest, Math.ceil(Math.log(value) / to)));
    buckets[index] = (buckets[index] ?? 0) + n;
  }
  return { ...s, alpha: DEFAULT_ALPHA, buckets };
}

/** One reported window (domain/window-summary.ts), every field checked and every total consistent. */
export const windowSummarySchema = z
  .object({
    service: nameSchema,
    source: safeLine({ max: 200, min: 1 })
      .regex(/^[^~\s]\S*$/, 'no spaces, and no leading "~" (reserved for windows summarised from raw samples)')
      .optional()
      .describe('the reporting replica; windows of different sources for the same start add up'),
    start: z.number().int().min(0).max(8.64e15).describe('window start, epoch ms'),
    durationMs: z.number().int().min(1).max(3_600_000),
    count,
    errors: count,
    latency: latencySketchSchema,
    qualitySum: amount,
    qualityCount: count,
    costUsdSum: amount,
    tokensSum: count,
    satisfactionSum: amount,
    satisfactionCount: count,
    dropped: count,
  })
  .strict()
  .superRefine((w, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (w.errors > w.count) issue(['errors'], `errors ${w.errors} > count ${w.count}`);
    if (w.latency.count > w.count) issue(['latency', 'count'], `latency.count ${w.latency.count} > count ${w.count}`);
    if (w.qualityCount > w.count) issue(['qualityCount'], `qualityCount ${w.qualityCount} > count ${w.count}`);
    if (w.qualitySum > w.qualityCount + EPSILON) issue(['qualitySum'], 'qualitySum exceeds qualityCount (scores are in [0, 1])');
    if (w.satisfactionCount > w.count) issue(['satisfactionCount'], `satisfactionCount ${w.satisfactionCount} > count ${w.count}`);
    if (w.satisfactionSum > w.satisfactionCount + EPSILON) issue(['satisfactionSum'], 'satisfactionSum exceeds satisfactionCount (scores are in [0, 1])');
  });

const score = z.number().min(0).max(1);

/** One request as a service without the SDK reports it; the API summarises these into windows. */
export const rawSampleSchema = z
  .object({
    service: nameSchema,
    at: z
      .union([z.iso.datetime({ offset: true }), z.number().int().min(0).max(8.64e15)])
      .transform((t) => (typeof t === 'number' ? t : Date.parse(t)))
      .describe('ISO-8601 time or epoch ms'),
    latencyMs: amount,
    ok: z.boolean(),
    qualityScore: score.optional(),
    costUsd: amount.optional(),
    tokens: count.optional(),
    satisfaction: score.optional(),
  })
  .strict();

export type RawSample = z.output<typeof rawSampleSchema>;

/** The body of POST /v1/metrics: windows from the SDK, raw samples from anything else, or both. */
export const metricsBatchSchema = z
  .object({
    windows: z.array(windowSummarySchema).max(MAX_BATCH_ENTRIES).optional(),
    samples: z.array(rawSampleSchema).max(MAX_BATCH_ENTRIES).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const n = (b.windows?.length ?? 0) + (b.samples?.length ?? 0);
    if (n > MAX_BATCH_ENTRIES) ctx.addIssue({ code: 'custom', path: [], message: `at most ${MAX_BATCH_ENTRIES} entries (windows + samples) per request, got ${n}` });
  });

export type MetricsBatch = z.output<typeof metricsBatchSchema>;

// The schemas above must produce exactly the shared contracts (same fields, same types); this fails
// to compile if they drift, e.g. when WindowSummary gains a field the API would reject.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
const contractsAgree: [Same<z.output<typeof windowSummarySchema>, WindowSummary>, Same<z.output<typeof latencySketchSchema>, LatencySketch>] = [true, true];
void contractsAgree;

interface Building {
  w: Omit<WindowSummary, 'latency'>;
  latency: SketchAccumulator;
}

/**
 * Summarises raw samples into one window per service per SAMPLE_WINDOW_MS, ordered by service then
 * start; `batch` names the request (source `~samples:<batch>`).
 */
export function windowsFromSamples(samples: RawSample[], batch: string, alpha: number = DEFAULT_ALPHA): WindowSummary[] {
  const source = `${RAW_SAMPLES_SOURCE}:${batch}`;
  const open = new Map<string, Building>();
  for (const s of samples) {
    const start = Math.floor(s.at / SAMPLE_WINDOW_MS) * SAMPLE_WINDOW_MS;
    const key = `${s.service}\u0000${start}`;
    let b = open.get(key);
    if (!b) {
      b = {
        w: { service: s.service, source, start, durationMs: SAMPLE_WINDOW_MS, count: 0, errors: 0, qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 },
        latency: new SketchAccumulator(alpha),
      };
      open.set(key, b);
    }
    b.w.count++;
    if (!s.ok) b.w.errors++;
    b.latency.add(s.latencyMs);
    if (s.qualityScore !== undefined) {
      b.w.qualitySum += s.qualityScore;
      b.w.qualityCount++;
    }
    if (s.satisfaction !== undefined) {
      b.w.satisfactionSum += s.satisfaction;
      b.w.satisfactionCount++;
    }
    b.w.costUsdSum += s.costUsd ?? 0;
    b.w.tokensSum += s.tokens ?? 0;
  }
  return [...open.values()]
    .map((b) => ({ ...b.w, latency: b.latency.toSketch() }))
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.start - b.start));
}
