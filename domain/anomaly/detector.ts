/**
 * The contract every anomaly detector keeps: streaming and online (the score for point t uses only
 * points up to t), deterministic for a seed, serialisable. Pure: no I/O, no clocks, no Math.random.
 */
export interface AnomalyPoint {
  /** Epoch ms. */
  t: number;
  /** The feature vector; univariate series have one value. Non-finite values are the caller's error. */
  values: number[];
}

/** A detector that learns as it goes: `update` returns the score of this point, then learns from it. */
export interface StreamingDetector {
  readonly name: string;
  /** Anomaly score in [0, 1] for this point, computed before the point is learned from. */
  update(point: AnomalyPoint): number;
  /** A plain-JSON snapshot from which `restore` rebuilds a detector that scores identically. */
  toJSON(): unknown;
}

/** Where a score came from and why, for evidence in incident messages and CLI output. */
export interface DetectorScore {
  detector: string;
  score: number;
  /** Index of the feature that deviated most, when the detector can tell. */
  feature?: number;
}
