import { describe, expect, it } from 'vitest';
import { addValue, emptySketch, type LatencySketch } from '../../domain/latency-sketch';
import { evaluateSla, type SlaCheck } from '../../domain/sla';
import { SLA_DEFAULTS, type ServiceSla } from '../../domain/sla-config';
import { violationSchema } from '../../domain/violation';
import type { WindowSummary } from '../../domain/window-summary';

/** t=0: 2024-06-01 12:00 UTC. */
const T0 = Date.parse('2024-06-01T12:00:00Z');
/** The seed's SLAs: p95 ≤ 2000 ms, availability ≥ 99.5 %, quality ≥ 0.7, verdicts from 20 requests on. */
const SLA: ServiceSla = { ...SLA_DEFAULTS, slo: { ...SLA_DEFAULTS.slo } };

/** A sketch of explicit latencies: [ms, how many] pairs. */
function sketch(latencies: Array<[number, number]>): LatencySketch {
  let s = emptySketch();
  for (const [ms, n] of latencies) for (let i = 0; i < n; i++) s = addValue(s, ms);
  return s;
}

interface Spec {
  latencies: Array<[number, number]>;
  /** Requests; defaults to the number of latencies. */
  count?: number;
  errors?: number;
  /** [sum, count] of quality scores. */
  quality?: [number, number];
  at?: number;
}

/** One 10 s window of service "search"; the nearest-rank p95 is exact when it falls on the largest latency. */
function win(spec: Spec): WindowSummary {
  const latency = sketch(spec.latencies);
  const [qualitySum, qualityCount] = spec.quality ?? [0, 0];
  return {
    service: 'search',
    start: T0 + (spec.at ?? 0),
    durationMs: 10_000,
    count: spec.count ?? latency.count,
    errors: spec.errors ?? 0,
    latency,
    qualitySum,
    qualityCount,
    costUsdSum: 0,
    tokensSum: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    dropped: 0,
  };
}

const verdicts = (checks: SlaCheck[]) => checks.map((c) => c.breached);

describe('evaluateSla: the three checks', () => {
  // Verdicts are listed as [p95, availability, quality]; score = met weight / judged weight (0.3, 0.5, 0.2).
  const cases: Array<{ name: string; windows: WindowSummary[]; sla?: Partial<ServiceSla>; verdicts: Array<boolean | null>; score: number; titles?: string[]; impacts?: string[] }> = [
    {
      // Every SLA exactly at its threshold, which is not a breach:
      // p95 = 3800th of 4000 latencies = 2000 ms (not > 2000); 1 − 20/4000 = 99.5 % (not < 99.5 %); 2800/4000 = 0.7 (not < 0.7).
      name: 'exactly at every threshold',
      windows: [win({ latencies: [[100, 3000], [2000, 1000]], errors: 20, quality: [2800, 4000] })],
      verdicts: [false, false, false],
      score: 1,
      titles: ['p95 response time 2000 ms ≤ 2000 ms', 'availability 99.5 % ≥ 99.5 %', 'average quality 0.7 ≥ 0.7'],
      impacts: ['0 % of answers slower than 2.0 s (0 of 4000)', '0.5 % of questions failed (20 of 4000)', 'answers averaged a quality score of 0.7 over 4000 scored (minimum 0.7)'],
    },
    {
      // p95 = 95th of 100 = one of the ten 2350 ms answers > 2000; 10/100 slower than 2 s. Score: (0.5 + 0.2) / 1 = 0.7.
      name: 'p95 above the threshold',
      windows: [win({ latencies: [[100, 90], [2350, 10]], quality: [80, 100] })],
      verdicts: [true, false, false],
      score: 0.7,
      titles: ['p95 response time 2350 ms > 2000 ms', 'availability 100 % ≥ 99.5 %', 'average quality 0.8 ≥ 0.7'],
      impacts: ['10 % of answers slower than 2.0 s (10 of 100)'],
    },
    {
      // 112 of 4000 failed: 2.8 % → 97.2 % < 99.5 %. Score: (0.3 + 0.2) / 1 = 0.5.
      name: 'availability below the threshold',
      windows: [win({ latencies: [[100, 4000]], errors: 112, quality: [3200, 4000] })],
      verdicts: [false, true, false],
      score: 0.5,
      titles: ['p95 response time 100 ms ≤ 2000 ms', 'availability 97.2 % < 99.5 %', 'average quality 0.8 ≥ 0.7'],
      impacts: ['0 % of answers slower than 2.0 s (0 of 4000)', '2.8 % of questions failed (112 of 4000)'],
    },
    {
      // 51 of 10000 failed: 99.49 %, which rounds to 99.5 at one decimal, so the title shows two.
      name: 'availability just below the threshold',
      windows: [win({ latencies: [[100, 10_000]], errors: 51, quality: [8000, 10_000] })],
      verdicts: [false, true, false],
      score: 0.5,
      titles: ['p95 response time 100 ms ≤ 2000 ms', 'availability 99.49 % < 99.5 %', 'average quality 0.8 ≥ 0.7'],
      impacts: ['0 % of answers slower than 2.0 s (0 of 10000)', '0.51 % of questions failed (51 of 10000)'],
    },
    {
      // 217/350 = 0.62 < 0.7. Score: (0.3 + 0.5) / 1 = 0.8.
      name: 'quality below the threshold',
      windows: [win({ latencies: [[100, 400]], quality: [217, 350] })],
      verdicts: [false, false, true],
      score: 0.8,
      titles: ['p95 response time 100 ms ≤ 2000 ms', 'availability 100 % ≥ 99.5 %', 'average quality 0.62 < 0.7'],
      impacts: ['0 % of answers slower than 2.0 s (0 of 400)', '0 % of questions failed (0 of 400)', 'answers averaged a quality score of 0.62 over 350 scored (minimum 0.7)'],
    },
    {
      // p95 2350 > 2000, 10/100 failed = 90 %, quality 0.5: nothing met, score 0.
      name: 'all three breached',
      windows: [win({ latencies: [[100, 90], [2350, 10]], errors: 10, quality: [50, 100] })],
      verdicts: [true, true, true],
      score: 0,
    },
    {
      // 19 requests < minRequests 20: no verdict at all, even at 100 % errors; nothing judged → score 1.
      name: 'one request short of minRequests',
      windows: [win({ latencies: [[2350, 19]], errors: 19, quality: [0, 19] })],
      verdicts: [null, null, null],
      score: 1,
      titles: ['p95 response time: not enough requests', 'availability: not enough requests', 'average quality: not enough requests'],
      impacts: ['only 19 requests; at least 20 are needed for a verdict'],
    },
    {
      // Exactly minRequests (20), one failed: 95 % < 99.5 %. Score (0.3 + 0.2) / 1 = 0.5.
      name: 'exactly minRequests',
      windows: [win({ latencies: [[100, 20]], errors: 1, quality: [16, 20] })],
      verdicts: [false, true, false],
      score: 0.5,
    },
    {
      // A per-service minRequests of 100 with 99 requests: no verdict.
      name: 'a larger minRequests',
      windows: [win({ latencies: [[100, 99]], errors: 50, quality: [10, 99] })],
      sla: { minRequests: 100 },
      verdicts: [null, null, null],
      score: 1,
    },
    {
      // No quality scores: quality left out, weights renormalised over 0.3 + 0.5; only latency met → 0.3 / 0.8 = 0.375.
      name: 'no quality scores, availability breached',
      windows: [win({ latencies: [[100, 1000]], errors: 100 })],
      verdicts: [false, true, null],
      score: 0.375,
      titles: ['p95 response time 100 ms ≤ 2000 ms', 'availability 90 % < 99.5 %', 'average quality: no scores'],
    },
    {
      // No quality scores, p95 2350 > 2000, availability met → 0.5 / 0.8 = 0.625.
      name: 'no quality scores, latency breached',
      windows: [win({ latencies: [[100, 90], [2350, 10]] })],
      verdicts: [true, false, null],
      score: 0.625,
    },
    {
      // 50 requests, all failed before a latency was recorded: no latency verdict; availability 0 % breached,
      // quality 0.9 met → 0.2 / (0.5 + 0.2) = 0.285714 (scores are reported to 6 decimals).
      name: 'no latency data',
      windows: [win({ latencies: [], count: 50, errors: 50, quality: [45, 50] })],
      verdicts: [null, true, false],
      score: 0.2 / 0.7,
      titles: ['p95 response time: no latency data', 'availability 0 % < 99.5 %', 'average quality 0.9 ≥ 0.7'],
    },
    {
      // Nothing to judge at all.
      name: 'no windows',
      windows: [],
      verdicts: [null, null, null],
      score: 1,
    },
  ];

  it.each(cases)('$name', ({ windows, sla, verdicts: want, score, titles, impacts }) => {
    const report = evaluateSla(windows, { ...SLA, ...sla });
    expect(verdicts(report.checks)).toEqual(want);
    expect(report.compliance_score).toBeCloseTo(score, 6);
    expect(report.sla_compliant).toBe(!want.includes(true));
    expect(report.violations).toEqual(report.checks.filter((c) => c.breached === true));
    if (titles) expect(report.checks.map((c) => c.title)).toEqual(titles);
    if (impacts) expect(report.checks.map((c) => c.impact).slice(0, impacts.length)).toEqual(impacts);
  });
});

describe('evaluateSla: check details', () => {
  it('reports kind, dimension, severity, current, threshold and unit as the seed does', () => {
    // p95 2350; 112 of 4000 failed → 97.2 %; 217/350 = 0.62.
    const report = evaluateSla([win({ latencies: [[100, 3600], [2350, 400]], errors: 112, quality: [217, 350] })], SLA);
    const facts = report.checks.map(({ kind, dimension, severity, breached, current, threshold, unit }) => ({ kind, dimension, severity, breached, current, threshold, unit }));
    expect(facts).toEqual([
      { kind: 'response_time_sla', dimension: 'p95', severity: 'high', breached: true, current: 2350, threshold: 2000, unit: 'ms' },
      { kind: 'availability_sla', dimension: 'availability', severity: 'critical', breached: true, current: 97.2, threshold: 99.5, unit: '%' },
      { kind: 'quality_sla', dimension: 'quality', severity: 'medium', breached: true, current: 0.62, threshold: 0.7, unit: 'score' },
    ]);
    expect(report.checks[0]!.impact).toBe('10 % of answers slower than 2.0 s (400 of 4000)');
    expect(report.checks[1]!.impact).toBe('2.8 % of questions failed (112 of 4000)');
  });

  it('p95 equal to the threshold is not a breach, one millisecond under it is', () => {
    // p95 = 95th of 100 = 2350 (the largest value, so exact).
    const windows = [win({ latencies: [[100, 90], [2350, 10]] })];
    expect(evaluateSla(windows, { ...SLA, p95LatencyMs: 2350 }).checks[0]).toMatchObject({ breached: false, title: 'p95 response time 2350 ms ≤ 2350 ms' });
    expect(evaluateSla(windows, { ...SLA, p95LatencyMs: 2349 }).checks[0]).toMatchObject({ breached: true, title: 'p95 response time 2350 ms > 2349 ms' });
  });

  it('merges the windows before judging: the p95 of all requests, not an average of p95s', () => {
    // Window p95s are 100, 100 and 2350; merged, 10 of 100 answers took 2350 ms, so the 95th is 2350.
    // Errors 0 + 0 + 5 = 5 of 100 → 95 %. Span: t=0 to t=30 s.
    const windows = [
      win({ latencies: [[100, 60]], at: 0 }),
      win({ latencies: [[100, 30]], at: 10_000 }),
      win({ latencies: [[2350, 10]], errors: 5, at: 20_000 }),
    ];
    const report = evaluateSla(windows, SLA);
    expect(report).toMatchObject({ requests: 100, windowStart: T0, windowEnd: T0 + 30_000, sla_compliant: false });
    expect(report.checks[0]).toMatchObject({ breached: true, current: 2350 });
    expect(report.checks[1]).toMatchObject({ breached: true, current: 95, impact: '5 % of questions failed (5 of 100)' });
    // Any of the windows alone has fewer than 20 requests or a different p95.
    expect(evaluateSla([windows[2]!], SLA).checks[0]!.breached).toBeNull();
  });

  it('returns the seed report shape', () => {
    const report = evaluateSla([], SLA);
    expect(report).toEqual({
      sla_compliant: true,
      violations: [],
      compliance_score: 1,
      checks: expect.any(Array),
      requests: 0,
      windowStart: null,
      windowEnd: null,
    });
  });

  it('violations carry what an incident needs', () => {
    const report = evaluateSla([win({ latencies: [[100, 90], [2350, 10]], errors: 10, quality: [50, 100] })], SLA);
    for (const v of report.violations) {
      const { breached, current, ...rest } = v;
      expect(breached).toBe(true);
      expect(violationSchema.safeParse({ service: 'search', ...rest, current: current ?? undefined }).success).toBe(true);
    }
  });
});
