import { SketchAccumulator } from '../domain/latency-sketch';
import type { WindowSummary } from '../domain/window-summary';

/** One request as a RAG service reports it. */
export interface MetricSample {
  latencyMs: number;
  ok: boolean;
  /** Answer quality score (e.g. 0–1 from an evaluator). */
  qualityScore?: number;
  costUsd?: number;
  tokens?: number;
  /** User satisfaction (e.g. thumbs up = 1, down = 0). */
  satisfaction?: number;
  /** Accepted for forward compatibility; windows are per service, so labels are not aggregated yet. */
  labels?: Record<string, string>;
  /**
   * The experiment variant that served this request (an `assign()` result): the sample also counts
   * in that variant's window. Ignored when `live` is false (kill switch, paused, unknown experiment).
   * `unit` (the user or session id) lets the window keep per-unit sums for the delta-method variance.
   */
  experiment?: { name: string; variant: string; live?: boolean; unit?: string };
  /** Pre-period covariate for CUPED, paired with every metric the sample carries (e.g. the user's earlier quality, tokens/s). */
  covariate?: number;
}

// typeof first: a string that looks like a number must not be summed (it would concatenate).
const finite = (x: unknown): x is number => typeof x === 'number' && x - x === 0;
const unit = (x: unknown): x is number => finite(x) && x >= 0 && x <= 1;

/**
 * The open window's running totals: fixed-size, reused after every close, so recording a sample
 * allocates nothing.
 */
export class WindowAccumulator {
  readonly latency: SketchAccumulator;
  count = 0;
  errors = 0;
  qualitySum = 0;
  qualityCount = 0;
  costUsdSum = 0;
  tokensSum = 0;
  satisfactionSum = 0;
  satisfactionCount = 0;
  /** Samples lost in or before this window (bad input, dropped or failed windows): reported with it. */
  dropped = 0;

  constructor(alpha?: number) {
    this.latency = new SketchAccumulator(alpha);
  }

  /**
   * Adds a sample; false (and nothing counted but `dropped`) when its latency is not a finite
   * number ≥ 0. Optional fields outside the API's ranges (quality and satisfaction in [0, 1], cost
   * ≥ 0, whole tokens ≥ 0) are ignored, not the whole sample: one bad field must not get the whole
   * window refused by the API.
   */
  add(s: MetricSample): boolean {
    const latency = s.latencyMs;
    if (!(typeof latency === 'number' && latency >= 0 && latency < Infinity)) {
      this.dropped++;
      return false;
    }
    this.latency.add(latency);
    this.count++;
    if (!s.ok) this.errors++;
    const quality = s.qualityScore;
    if (quality !== undefined && unit(quality)) {
      this.qualitySum += quality;
      this.qualityCount++;
    }
    const cost = s.costUsd;
    if (cost !== undefined && finite(cost) && cost >= 0) this.costUsdSum += cost;
    const tokens = s.tokens;
    if (tokens !== undefined && Number.isInteger(tokens) && tokens >= 0) this.tokensSum += tokens;
    const satisfaction = s.satisfaction;
    if (satisfaction !== undefined && unit(satisfaction)) {
      this.satisfactionSum += satisfaction;
      this.satisfactionCount++;
    }
    return true;
  }

  /** True when closing would report nothing at all. */
  isEmpty(): boolean {
    return this.count === 0 && this.dropped === 0;
  }

  /** The window as the contract wants it. */
  toSummary(service: string, source: string, start: number, durationMs: number): WindowSummary {
    return {
      service,
      source,
      start,
      durationMs,
      count: this.count,
      errors: this.errors,
      latency: this.latency.toSketch(),
      qualitySum: this.qualitySum,
      qualityCount: this.qualityCount,
      costUsdSum: this.costUsdSum,
      tokensSum: this.tokensSum,
      satisfactionSum: this.satisfactionSum,
      satisfactionCount: this.satisfactionCount,
      dropped: this.dropped,
    };
  }

  /** Back to an empty window. */
  reset(): void {
    this.latency.reset();
    this.count = 0;
    this.errors = 0;
    this.qualitySum = 0;
    this.qualityCount = 0;
    this.costUsdSum = 0;
    this.tokensSum = 0;
    this.satisfactionSum = 0;
    this.satisfactionCount = 0;
    this.dropped = 0;
  }
}
