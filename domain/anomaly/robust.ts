// Robust location and scale of a window (median and a MAD-based σ), via simple-statistics: a few
// outliers in the history move neither, which is what keeps a spike from hiding the next one.
import { median } from 'simple-statistics';

/** A centre and a scale that stands in for σ. */
export interface LocationScale {
  center: number;
  scale: number;
}

/** 1/Φ⁻¹(3/4): makes the MAD estimate σ for normal data. */
const MAD_TO_SIGMA = 1.482602218505602;
/** √(π/2): makes the mean absolute deviation estimate σ for normal data. */
const MEAN_AD_TO_SIGMA = 1.2533141373155001;

/**
 * Median and robust σ of a non-empty window: 1.4826·MAD; when more than half the values are equal
 * (MAD = 0, common for error rates) 1.2533·mean absolute deviation from the median (the modified
 * z-score's fallback); when all are equal, a tiny floor relative to the level, so any change from
 * a constant reads as a very large deviation rather than a division by zero.
 */
export function robustLocationScale(values: readonly number[]): LocationScale {
  const center = median(values);
  const deviations = values.map((v) => Math.abs(v - center));
  const mad = median(deviations);
  if (mad > 0) return { center, scale: MAD_TO_SIGMA * mad };
  let sum = 0;
  for (const dv of deviations) sum += dv;
  const meanAd = sum / deviations.length;
  if (meanAd > 0) return { center, scale: MEAN_AD_TO_SIGMA * meanAd };
  return { center, scale: 1e-9 * Math.max(1, Math.abs(center)) };
}
