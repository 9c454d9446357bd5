// The metrics an experiment can judge, and which way is better for each. Latency and cost are
// "lower is better": a guardrail on them is breached by a rise, on quality by a fall.

export const EXPERIMENT_METRICS = ['quality', 'satisfaction', 'success_rate', 'p95_latency', 'cost_per_query', 'cost_per_success'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];

/** +1 when a higher value is better, −1 when lower is. */
export const METRIC_DIRECTION: Record<ExperimentMetric, 1 | -1> = {
  quality: 1,
  satisfaction: 1,
  success_rate: 1,
  p95_latency: -1,
  cost_per_query: -1,
  cost_per_success: -1,
};

/**
 * What the sample-size plan assumes when a definition gives no baseline: the mean and per-request
 * standard deviation of a typical RAG service (p95 latency: a log-normal with σ = 0.5 of log ms).
 */
export const DEFAULT_BASELINE: Record<ExperimentMetric, { mean: number; sd: number }> = {
  quality: { mean: 0.7, sd: 0.2 },
  satisfaction: { mean: 0.7, sd: Math.sqrt(0.7 * 0.3) },
  success_rate: { mean: 0.98, sd: Math.sqrt(0.98 * 0.02) },
  p95_latency: { mean: 800, sd: 0.5 },
  cost_per_query: { mean: 0.002, sd: 0.001 },
  cost_per_success: { mean: 0.002, sd: 0.001 },
};
