// The reporter's per-variant windows: samples tagged with an experiment and variant also go into
// that variant's accumulator, closed on the same boundaries as the service's window, so the
// experiment workflow gets one window per variant per reporter per window. A variant's accumulator
// outlives its windows: its per-unit slots are cumulative, so a user returning in a later window is
// still one cluster (domain/experiments/unit-sums.ts).
import { VariantAccumulator, type ExperimentSample } from '../domain/experiments/variant-accumulator';
import type { ExperimentMetric } from '../domain/experiments/metrics';
import type { VariantWindow } from '../domain/experiments/variant-window';

/** Where closed variant windows go: the API (POST /v1/experiment-windows) or Temporal signals. */
export interface ExperimentTransport {
  send(windows: readonly VariantWindow[]): Promise<void>;
}

/** The tag a sample carries when its request was served by an experiment variant. */
export interface ExperimentTag {
  name: string;
  variant: string;
  /**
   * The randomisation unit's id (user, session), as `assign()` returns it: the window keeps per-unit
   * sums so a user's correlated requests are not tested as independent. Absent: the request is its own unit.
   */
  unit?: string;
}

// Bounds memory when a service is tagged with many (or unbounded, i.e. buggy) experiment names.
const MAX_VARIANTS = 200;
// A variant with no samples for this many windows (10 minutes at 10 s) is dropped with its slots; if it
// comes back, its units start as new clusters.
const IDLE_WINDOWS = 60;

export class ExperimentWindows {
  private readonly open = new Map<string, { tag: ExperimentTag; acc: VariantAccumulator; idle: number }>();
  /** Samples refused: an untagged variant beyond MAX_VARIANTS, or a bad latency. */
  refused = 0;

  constructor(private readonly primaryOf: (experiment: string) => ExperimentMetric | undefined = () => undefined) {}

  private slot(tag: ExperimentTag) {
    const key = `${tag.name}\u0000${tag.variant}`;
    let s = this.open.get(key);
    if (!s) {
      if (this.open.size >= MAX_VARIANTS) return undefined;
      s = { tag: { name: tag.name, variant: tag.variant }, acc: new VariantAccumulator(this.primaryOf(tag.name)), idle: 0 };
      this.open.set(key, s);
    }
    return s;
  }

  /** Adds a tagged sample; false when refused. */
  add(tag: ExperimentTag, sample: ExperimentSample): boolean {
    const s = this.slot(tag);
    if (!s || !s.acc.add(sample, true, tag.unit)) {
      this.refused++;
      return false;
    }
    return true;
  }

  /** Counts a unit's first exposure to a variant (sample-ratio checks count these). */
  expose(tag: ExperimentTag): void {
    const s = this.slot(tag);
    if (s) s.acc.exposures++;
    else this.refused++;
  }

  /** Closes every open variant window; empty ones send nothing. */
  close(start: number, durationMs: number, source: string): VariantWindow[] {
    const out: VariantWindow[] = [];
    for (const [key, s] of this.open) {
      if (s.acc.isEmpty()) {
        if (++s.idle >= IDLE_WINDOWS) this.open.delete(key);
        continue;
      }
      s.idle = 0;
      out.push({ experiment: s.tag.name, variant: s.tag.variant, source, start, durationMs, ...s.acc.toTotals() });
      s.acc.reset();
    }
    return out;
  }

  /**
   * After windows were lost: their per-unit increments are missing while the slots still hold their
   * values, so later increments would not add up. The slots start afresh instead.
   */
  forgetUnits(): void {
    for (const s of this.open.values()) s.acc.forgetUnits();
  }
}
