// Number formatting for SLA and burn-rate titles; pure and free of zod (runs inside workflows).

/** Drops float noise (0.995 × 100 = 99.49999…) from a reported figure without changing what it means. */
export function clean(value: number, decimals = 6): number {
  return Number(value.toFixed(decimals));
}

/** `value` with at most `decimals` decimals and no trailing zeros: 2000, 2.8, 99.95. */
export function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/**
 * Current value and threshold as two strings that differ whenever the numbers differ, so a title never
 * reads "99.5 % < 99.5 %": start at `decimals` and add digits until the rounded figures part.
 */
export function distinct(current: number, threshold: number, decimals: number): [string, string] {
  let d = decimals;
  while (d < 6 && current !== threshold && trim(current, d) === trim(threshold, d)) d += 1;
  return [trim(current, d), trim(threshold, d)];
}

/** A ratio as a readable percentage (without the sign): 0.028 → "2.8", 0.0004 → "0.04", 1/3 → "33.3". */
export function percent(ratio: number): string {
  const v = ratio * 100;
  if (v === 0) return '0';
  return v >= 1 ? trim(v, 1) : String(Number(v.toPrecision(2)));
}

/** A latency threshold as people say it: 2000 → "2.0 s", 2250 → "2.25 s", 250 → "250 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${trim(ms, 0)} ms`;
  const s = trim(ms / 1000, 3);
  return `${s.includes('.') ? s : `${s}.0`} s`;
}

/** A duration in whole units for impact sentences: 3_600_000 → "1 h", 300_000 → "5 m", 259_200_000 → "3 d". */
export function span(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${trim(ms / 1000, 0)} s`;
}
