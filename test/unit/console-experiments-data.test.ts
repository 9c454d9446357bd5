import { describe, expect, it } from 'vitest';
import { experimentDetail, experimentListItem } from '../../console/experiments-data';
import type { ExperimentRow, StoredReport } from '../../db/experiments';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';
import type { ExperimentPlan } from '../../domain/experiments/plan';
import type { MetricResult } from '../../domain/experiments/evaluate';

const definition = experimentDefinitionSchema.parse({
  name: 'rerank-v2',
  service: 'search-rag',
  // Percentages: the page shows shares, whichever way the owner wrote them.
  variants: [{ name: 'control', weight: 50 }, { name: 'b', weight: 30 }, { name: 'c', weight: 20 }],
  primary: 'quality',
  guardrails: [{ metric: 'p95_latency', margin: 0.1 }, { metric: 'cost_per_query', margin: 0.2 }],
  mde: 0.03,
});

const row = (over: Partial<ExperimentRow> = {}): ExperimentRow => ({
  name: 'rerank-v2',
  service: 'search-rag',
  definition,
  plan: {} as ExperimentPlan,
  status: 'running',
  stoppedVariants: {},
  decision: 'keep_running',
  why: 'not enough data yet',
  look: 0,
  lastLook: null,
  createdBy: 'ada',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...over,
});

const result = (metric: MetricResult['metric'], role: MetricResult['role'], extra: Partial<MetricResult> = {}): MetricResult => ({
  metric, role, control: 1, treatment: 1.1, relative: 0.1, ci: [0.02, 0.18], p: 0.01, significant: true, ...extra,
});

describe('console experiments data', () => {
  it('a fresh experiment: shares in percent, SRM not checked, no metrics, guardrails with no verdicts, no report', () => {
    const item = experimentListItem(row());
    expect(item.variants).toEqual([
      { name: 'control', percent: 50, stopped: null },
      { name: 'b', percent: 30, stopped: null },
      { name: 'c', percent: 20, stopped: null },
    ]);
    expect(item.srm).toBe('unknown');
    const d = experimentDetail(row(), []);
    expect(d.metrics).toEqual([]);
    expect(d.guardrails).toEqual([{ metric: 'p95_latency', margin: 0.1, verdicts: [] }, { metric: 'cost_per_query', margin: 0.2, verdicts: [] }]);
    expect(d.latestReport).toBeNull();
  });

  it('after a look: one line per treatment and metric, guardrail verdicts per variant, SRM mismatch, stopped variants, the newest report', () => {
    const lastLook = {
      srm: { chi2: 14.2, df: 2, p: 0.0008, mismatch: true },
      results: {
        b: [result('quality', 'primary'), result('p95_latency', 'guardrail', { verdict: 'breach', margin: 0.1 })],
        c: [result('quality', 'primary', { significant: false, p: 0.4 }), result('p95_latency', 'guardrail', { verdict: 'non_inferior', margin: 0.1, p: null })],
      },
    };
    const reports: StoredReport[] = [
      { experiment: 'rerank-v2', kind: 'weekly', look: 7, report: {}, markdown: '# newest', createdAt: '2026-12-03T00:00:00.000Z' },
      { experiment: 'rerank-v2', kind: 'weekly', look: 3, report: {}, markdown: '# older', createdAt: '2026-12-02T00:00:00.000Z' },
    ];
    const d = experimentDetail(row({ lastLook, look: 7, stoppedVariants: { b: 'guardrail breach on p95_latency' } }), reports);
    expect(d.srm).toBe('mismatch');
    expect(d.srmDetail?.chi2).toBe(14.2);
    expect(d.metrics.map((m) => `${m.variant}/${m.metric}`)).toEqual(['b/quality', 'b/p95_latency', 'c/quality', 'c/p95_latency']);
    expect(d.metrics[3]).toMatchObject({ p: null, verdict: 'non_inferior', ci: [0.02, 0.18] });
    expect(d.metrics[0]!.verdict).toBeNull();
    expect(d.guardrails[0]!.verdicts).toEqual([{ variant: 'b', verdict: 'breach' }, { variant: 'c', verdict: 'non_inferior' }]);
    expect(d.guardrails[1]!.verdicts).toEqual([]);
    expect(d.variants.find((v) => v.name === 'b')!.stopped).toBe('guardrail breach on p95_latency');
    expect(d.latestReport).toEqual({ kind: 'weekly', look: 7, createdAt: '2026-12-03T00:00:00.000Z', markdown: '# newest' });
  });

  it('a last look of an unexpected shape reads as no look rather than failing the page', () => {
    const d = experimentDetail(row({ lastLook: { results: 'garbled' } }), []);
    expect(d.metrics).toEqual([]);
    expect(d.srm).toBe('unknown');
  });
});
