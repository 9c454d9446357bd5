// The wire contract of per-variant windows (POST /v1/experiment-windows): sums that must agree
// with each other, so one bad replica cannot poison an experiment's totals.
import { z } from 'zod';
import { atMonitorAccuracy, latencySketchSchema } from '../metrics-input';
import { nameSchema } from '../names';
import { safeLine } from '../text-schema';
import type { VariantWindow } from './variant-window';

const count = z.number().int().min(0);
const sum = z.number().finite();
const moments = z.strictObject({ n: count, sum, sumSq: z.number().finite().min(0) });
const square = z.number().finite().min(0);
const covariate = z.strictObject({ n: count, sumX: sum, sumXX: square, sumXY: sum, sumY: sum, sumYY: square });
// A window's per-unit sums are increments of cumulative ones (unit-sums.ts): a sum of squares may grow by a negative amount.
const clusters = z.strictObject({ k: count, y: sum, n: z.number().finite().min(0), yy: sum, nn: sum, yn: sum, x: sum, xx: sum, xy: sum, xn: sum });
// Optional: SDKs before per-metric CUPED and per-unit sums send neither, and the workflow falls back.
const covariates = z.strictObject({ quality: covariate, satisfaction: covariate, success_rate: covariate, cost_per_query: covariate }).optional();
// Optional inside units too: SDKs from before the p95 design effect send per-unit sums without it.
const slow = z.strictObject({ requests: count, thresholdMs: z.number().finite().min(0), counts: clusters }).optional();
const units = z
  .strictObject({ tagged: count, quality: clusters, satisfaction: clusters, success_rate: clusters, cost_per_query: clusters, cost_per_success: clusters, slow })
  .optional();

export const variantWindowSchema = z
  .strictObject({
    experiment: nameSchema,
    variant: nameSchema,
    source: safeLine({ max: 200 }).optional(),
    start: z.number().int().min(0),
    durationMs: z.number().int().positive(),
    exposures: count,
    requests: count,
    ok: count,
    quality: moments,
    satisfaction: moments,
    cost: moments,
    costOk: z.number().finite().min(0),
    latency: latencySketchSchema.transform(atMonitorAccuracy),
    covariate,
    covariates,
    units,
  })
  .superRefine((w, ctx) => {
    if (w.ok > w.requests) ctx.addIssue({ code: 'custom', path: ['ok'], message: 'cannot exceed requests' });
    for (const k of ['quality', 'satisfaction', 'cost'] as const) {
      if (w[k].n > w.requests) ctx.addIssue({ code: 'custom', path: [k, 'n'], message: 'cannot exceed requests' });
    }
    if (w.units) {
      // Each per-unit sum must cover the same requests as its per-request moments, or the variance describes other data.
      const want = { quality: w.quality.n, satisfaction: w.satisfaction.n, success_rate: w.requests, cost_per_query: w.cost.n, cost_per_success: w.ok } as const;
      for (const k of Object.keys(want) as Array<keyof typeof want>) {
        if (w.units[k].n !== want[k]) ctx.addIssue({ code: 'custom', path: ['units', k, 'n'], message: `must equal ${want[k]} (the requests behind ${k})` });
        if (w.units[k].k > w.requests) ctx.addIssue({ code: 'custom', path: ['units', k, 'k'], message: 'cannot exceed requests' });
      }
      if (w.units.tagged > w.requests) ctx.addIssue({ code: 'custom', path: ['units', 'tagged'], message: 'cannot exceed requests' });
      const s = w.units.slow;
      if (s) {
        // A window counts all its requests against its threshold, or none (before the SDK process had one).
        if (s.requests !== w.requests) ctx.addIssue({ code: 'custom', path: ['units', 'slow', 'requests'], message: `must equal ${w.requests} (the window's requests)` });
        if (s.counts.n !== 0 && s.counts.n !== w.requests) ctx.addIssue({ code: 'custom', path: ['units', 'slow', 'counts', 'n'], message: `must be 0 or ${w.requests}` });
        if (s.counts.y < 0 || s.counts.y > s.counts.n) ctx.addIssue({ code: 'custom', path: ['units', 'slow', 'counts', 'y'], message: 'slow requests must be between 0 and the requests counted' });
        if (s.counts.k > w.requests) ctx.addIssue({ code: 'custom', path: ['units', 'slow', 'counts', 'k'], message: 'cannot exceed requests' });
        if (s.counts.n > 0 && !(s.thresholdMs > 0)) ctx.addIssue({ code: 'custom', path: ['units', 'slow', 'thresholdMs'], message: 'must be positive when requests were counted' });
      }
    }
    if (w.latency.count !== 0 && w.latency.count !== w.requests) ctx.addIssue({ code: 'custom', path: ['latency', 'count'], message: 'must equal requests (or be 0)' });
  });

export const variantWindowsBodySchema = z.strictObject({ windows: z.array(variantWindowSchema).min(1).max(500) });

const agrees: z.output<typeof variantWindowSchema> extends VariantWindow ? true : false = true;
void agrees;
