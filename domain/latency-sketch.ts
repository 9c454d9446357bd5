// Placeholder: the mergeable latency sketch (DDSketch-style log buckets) lands with the SDK work.
/** A serialisable, mergeable latency sketch with bounded relative error on quantiles. */
export interface LatencySketch {
  /** Relative accuracy α: every quantile is within α·value of the exact one. */
  alpha: number;
  /** Bucket index → count, for values > 0 (value v falls in bucket ceil(log_γ v), γ = (1+α)/(1-α)). */
  buckets: Record<string, number>;
  /** Count of values ≤ 0 (or below the smallest tracked value). */
  zeroCount: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}
