// Repeat suppression: one anomaly should be one alarm, not a score that stays high for its whole
// length (each extra alarm outside the labelled moment is a false page). A score passes unchanged only
// when it beats the strongest score passed recently by `margin` decades of surprise; otherwise it is
// damped. The memory of that strongest score holds while the evidence stays at least as strong and
// fades by `decay` decades a point once it weakens, so a new, separate anomaly gets through again.
// This works for any threshold: above a given cut-off an episode gives its first crossing, then only
// markedly stronger evidence. From a quiet start the peak is 0, so nothing below `margin` decades ever
// passes undamped: the margin is also the floor of what can alarm.
import { finiteField } from './input';

/** Options of the repeat suppression. */
export interface EpisodeOptions {
  /** Decades by which a score must beat the remembered peak to pass. */
  margin?: number;
  /** Decades per point by which the remembered peak fades once the evidence weakens. */
  decay?: number;
  /** Factor applied to suppressed scores. */
  damp?: number;
}

/** The suppression state of one stream. */
export class EpisodeGate {
  readonly margin: number;
  readonly decay: number;
  readonly damp: number;
  peak = 0;

  constructor(o: EpisodeOptions = {}) {
    this.margin = o.margin ?? 3;
    this.decay = o.decay ?? 0.05;
    this.damp = o.damp ?? 0.2;
  }

  /** The surprise to report for this point's raw surprise (decades). */
  pass(surprise: number): number {
    if (surprise > this.peak + this.margin) {
      this.peak = surprise;
      return surprise;
    }
    if (surprise < this.peak) this.peak = Math.max(surprise, this.peak - this.decay);
    return surprise * this.damp;
  }

  toJSON() {
    return { margin: this.margin, decay: this.decay, damp: this.damp, peak: this.peak };
  }

  /** Rebuilds a gate from toJSON(). */
  static restore(o: Record<string, unknown>): EpisodeGate {
    const g = new EpisodeGate({ margin: finiteField('episodes', o, 'margin'), decay: finiteField('episodes', o, 'decay'), damp: finiteField('episodes', o, 'damp') });
    g.peak = finiteField('episodes', o, 'peak');
    return g;
  }
}
