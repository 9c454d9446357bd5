// The seed's three SLA checks over recent windows. Pure and free of zod: the ServiceMonitor workflow runs it.
import { countBelow, mergeSketches, quantile, type LatencySketch } from './latency-sketch';
import type { Severity } from './severity';
import type { ServiceSla } from './sla-config';
import { clean, distinct, duration, percent } from './sla-format';
import type { WindowSummary } from './window-summary';

/** The violation kinds the SLA checks report (also the incident `kind`). */
export type SlaKind = 'response_time_sla' | 'availability_sla' | 'quality_sla';

/** One SLA verdict; `breached: null` means there was not enough data to judge. */
export interface SlaCheck {
  kind: SlaKind;
  dimension: 'p95' | 'availability' | 'quality';
  severity: Severity;
  breached: boolean | null;
  /** The measured value in `unit`; null when nothing could be measured (no requests, no scores). */
  current: number | null;
  threshold: number;
  unit: 'ms' | '%' | 'score';
  title: string;
  impact: string;
}

/** The seed's report shape (`sla_compliant`, `violations`, `compliance_score`) plus every check and the span judged. */
export interface SlaReport {
  sla_compliant: boolean;
  violations: SlaCheck[];
  compliance_score: number;
  checks: SlaCheck[];
  requests: number;
  /** Earliest window start and latest window end (epoch ms); null when no windows were given. */
  windowStart: number | null;
  windowEnd: number | null;
}

/** How much each SLA counts towards the compliance score; availability matters most. */
export const SLA_WEIGHTS: Readonly<Record<SlaKind, number>> = { availability_sla: 0.5, response_time_sla: 0.3, quality_sla: 0.2 };

// Ratios such as 1 − 5/1000 land a hair off 0.995 in floating point; a verdict must not hinge on that.
const EPS = 1e-12;

interface Totals {
  count: number;
  errors: number;
  latency: LatencySketch | null;
  qualitySum: number;
  qualityCount: number;
  start: number | null;
  end: number | null;
}

function totals(windows: WindowSummary[]): Totals {
  const t: Totals = { count: 0, errors: 0, latency: null, qualitySum: 0, qualityCount: 0, start: null, end: null };
  for (const w of windows) {
    t.start = Math.min(t.start ?? w.start, w.start);
    t.end = Math.max(t.end ?? w.start + w.durationMs, w.start + w.durationMs);
    t.count += w.count;
    t.errors += w.errors;
    t.latency = t.latency ? mergeSketches(t.latency, w.latency) : w.latency;
    t.qualitySum += w.qualitySum;
    t.qualityCount += w.qualityCount;
  }
  return t;
}

const tooFew = (t: Totals, sla: ServiceSla) => `only ${t.count} requests; at least ${sla.minRequests} are needed for a verdict`;

function latencyCheck(t: Totals, sla: ServiceSla): SlaCheck {
  const threshold = sla.p95LatencyMs;
  const base = { kind: 'response_time_sla', dimension: 'p95', severity: 'high', threshold, unit: 'ms' } as const;
  const sketch = t.latency;
  if (!sketch || sketch.count === 0) {
    return { ...base, breached: null, current: null, title: 'p95 response time: no latency data', impact: tooFew(t, sla) };
  }
  const p95 = quantile(sketch, 0.95);
  const current = clean(p95, 3);
  if (t.count < sla.minRequests) {
    return { ...base, breached: null, current, title: 'p95 response time: not enough requests', impact: tooFew(t, sla) };
  }
  const breached = p95 > threshold;
  const [c, th] = distinct(current, threshold, 0);
  const slow = Math.max(0, sketch.count - Math.round(countBelow(sketch, threshold)));
  return {
    ...base,
    breached,
    current,
    title: `p95 response time ${c} ms ${breached ? '>' : '≤'} ${th} ms`,
    impact: `${percent(slow / sketch.count)} % of answers slower than ${duration(threshold)} (${slow} of ${sketch.count})`,
  };
}

function availabilityCheck(t: Totals, sla: ServiceSla): SlaCheck {
  const threshold = clean(sla.availability * 100);
  const base = { kind: 'availability_sla', dimension: 'availability', severity: 'critical', threshold, unit: '%' } as const;
  if (t.count === 0) return { ...base, breached: null, current: null, title: 'availability: no requests', impact: tooFew(t, sla) };
  const ratio = 1 - t.errors / t.count;
  const current = clean(ratio * 100);
  if (t.count < sla.minRequests) {
    return { ...base, breached: null, current, title: 'availability: not enough requests', impact: tooFew(t, sla) };
  }
  const breached = ratio < sla.availability - EPS;
  const [c, th] = distinct(current, threshold, 1);
  return {
    ...base,
    breached,
    current,
    title: `availability ${c} % ${breached ? '<' : '≥'} ${th} %`,
    impact: `${percent(t.errors / t.count)} % of questions failed (${t.errors} of ${t.count})`,
  };
}

function qualityCheck(t: Totals, sla: ServiceSla): SlaCheck {
  const threshold = sla.minQuality;
  const base = { kind: 'quality_sla', dimension: 'quality', severity: 'medium', threshold, unit: 'score' } as const;
  if (t.qualityCount === 0) {
    return { ...base, breached: null, current: null, title: 'average quality: no scores', impact: 'no answer carried a quality score' };
  }
  const average = t.qualitySum / t.qualityCount;
  const current = clean(average);
  if (t.count < sla.minRequests) {
    return { ...base, breached: null, current, title: 'average quality: not enough requests', impact: tooFew(t, sla) };
  }
  const breached = average < threshold - EPS;
  const [c, th] = distinct(current, threshold, 2);
  return {
    ...base,
    breached,
    current,
    title: `average quality ${c} ${breached ? '<' : '≥'} ${th}`,
    impact: `answers averaged a quality score of ${c} over ${t.qualityCount} scored (minimum ${th})`,
  };
}

/** Share of the judged SLAs that are met, by SLA_WEIGHTS renormalised over the checks that had data; 1 when none had. */
export function complianceScore(checks: SlaCheck[]): number {
  let judged = 0;
  let met = 0;
  for (const c of checks) {
    if (c.breached === null) continue;
    judged += SLA_WEIGHTS[c.kind];
    if (!c.breached) met += SLA_WEIGHTS[c.kind];
  }
  return judged === 0 ? 1 : clean(met / judged);
}

/** Merges the given (already selected) recent windows and judges the three SLAs over them. */
export function evaluateSla(windows: WindowSummary[], sla: ServiceSla): SlaReport {
  const t = totals(windows);
  const checks = [latencyCheck(t, sla), availabilityCheck(t, sla), qualityCheck(t, sla)];
  const violations = checks.filter((c) => c.breached === true);
  return {
    sla_compliant: violations.length === 0,
    violations,
    compliance_score: complianceScore(checks),
    checks,
    requests: t.count,
    windowStart: t.start,
    windowEnd: t.end,
  };
}
