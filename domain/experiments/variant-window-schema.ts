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
    covariate: z.strictObject({ n: count, sumX: sum, sumXX: z.number().finite().min(0), sumXY: sum, sumY: sum, sumYY: z.number().finite().min(0) }),
  })
  .superRefine((w, ctx) => {
    if (w.ok > w.requests) ctx.addIssue({ code: 'custom', path: ['ok'], message: 'cannot exceed requests' });
    for (const k of ['quality', 'satisfaction', 'cost'] as const) {
      if (w[k].n > w.requests) ctx.addIssue({ code: 'custom', path: [k, 'n'], message: 'cannot exceed requests' });
    }
    if (w.latency.count !== 0 && w.latency.count !== w.requests) ctx.addIssue({ code: 'custom', path: ['latency', 'count'], message: 'must equal requests (or be 0)' });
  });

export const variantWindowsBodySchema = z.strictObject({ windows: z.array(variantWindowSchema).min(1).max(500) });

const agrees: z.output<typeof variantWindowSchema> extends VariantWindow ? true : false = true;
void agrees;
