// A service's live SLA state as the console shows it, from its newest metric window(s): pure, so the
// overview request and the SSE fan-out compute it the same way.
import { emptySketch, mergeSketches, quantile, type LatencySketch } from '../domain/latency-sketch';
import type { ServiceSla } from '../domain/sla-config';
import type { BurnView } from './burn-view';

/** The newest verdict of the anomaly monitor for a service (its stored AnomalyVerdict, reduced). */
export interface AnomalyView {
  /** Start of the window judged, epoch ms. */
  at: number;
  scored: boolean;
  anomalous: boolean;
  score: number | null;
  threshold: number | null;
  /** The ensemble's combined surprise, in decades. */
  surprise: number | null;
  detector: string | null;
  anomalyClass: string | null;
}

/** One stored window row (all sources of one service and start are merged before judging). */
export interface WindowRow {
  service: string;
  start: number;
  count: number;
  errors: number;
  qualityAvg: number | null;
  qualityCount: number;
  costUsd: number;
  sketch: LatencySketch;
}

export interface ServiceLive {
  service: string;
  /** Start of the newest window, epoch ms. */
  at: number;
  requests: number;
  availability: number | null;
  p95Ms: number | null;
  quality: number | null;
  costUsd: number;
  thresholds: { p95LatencyMs: number; availability: number; minQuality: number };
  /** Which SLA checks this window breaches: 'latency', 'availability', 'quality'. */
  breaches: string[];
  /** Error rate over the allowed one (1 − SLO availability): above 1 the budget shrinks. */
  burnRate: number | null;
  budgetRemaining: number | null;
  openIncidents: number;
  /** Multi-window availability burn as the SLA monitor computes it; null without windows in the last day. */
  burn: BurnView | null;
  anomaly: AnomalyView | null;
}

/** Merges the rows of one service and start (replicas) into one. */
export function mergeRows(rows: readonly WindowRow[]): WindowRow {
  const first = rows[0]!;
  let sketch = emptySketch(first.sketch.alpha);
  let qualitySum = 0;
  const m = { ...first, count: 0, errors: 0, qualityCount: 0, costUsd: 0 };
  for (const r of rows) {
    m.count += r.count;
    m.errors += r.errors;
    m.costUsd += r.costUsd;
    if (r.qualityAvg !== null) qualitySum += r.qualityAvg * r.qualityCount;
    m.qualityCount += r.qualityCount;
    sketch = mergeSketches(sketch, r.sketch);
  }
  return { ...m, sketch, qualityAvg: m.qualityCount > 0 ? qualitySum / m.qualityCount : null };
}

/** Judges one merged window against the service's SLA. */
export function liveState(w: WindowRow, sla: ServiceSla, extra: { budgetRemaining: number | null; openIncidents: number; burn?: BurnView | null; anomaly?: AnomalyView | null }): ServiceLive {
  const availability = w.count > 0 ? 1 - w.errors / w.count : null;
  const p95 = w.count > 0 ? quantile(w.sketch, 0.95) : NaN;
  const p95Ms = Number.isFinite(p95) ? p95 : null;
  const breaches: string[] = [];
  if (p95Ms !== null && p95Ms > sla.p95LatencyMs) breaches.push('latency');
  if (availability !== null && availability < sla.availability) breaches.push('availability');
  if (w.qualityAvg !== null && w.qualityAvg < sla.minQuality) breaches.push('quality');
  const allowed = 1 - sla.slo.availability;
  return {
    service: w.service,
    at: w.start,
    requests: w.count,
    availability,
    p95Ms,
    quality: w.qualityAvg,
    costUsd: w.costUsd,
    thresholds: { p95LatencyMs: sla.p95LatencyMs, availability: sla.availability, minQuality: sla.minQuality },
    breaches,
    burnRate: availability !== null && allowed > 0 ? (1 - availability) / allowed : null,
    budgetRemaining: extra.budgetRemaining,
    openIncidents: extra.openIncidents,
    burn: extra.burn ?? null,
    anomaly: extra.anomaly ?? null,
  };
}

/** Groups rows by service and start, merging replicas; newest start per service wins when `newestOnly`. */
export function mergeByServiceStart(rows: readonly WindowRow[]): WindowRow[] {
  const groups = new Map<string, WindowRow[]>();
  for (const r of rows) {
    const k = `${r.service}\u0000${r.start}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map(mergeRows).sort((a, b) => a.start - b.start || (a.service < b.service ? -1 : 1));
}
