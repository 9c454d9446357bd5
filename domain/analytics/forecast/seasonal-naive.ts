// The baseline every forecast must beat: tomorrow at 10:00 looks like the same hour one season ago.

/** h steps ahead of y, each the value one (or more) seasons of length m earlier. */
export function seasonalNaive(y: readonly number[], m: number, h: number): number[] {
  const n = y.length;
  const out: number[] = [];
  for (let k = 1; k <= h; k++) {
    const back = Math.ceil(k / m) * m;
    out.push(y[n + k - 1 - back] ?? y[n - 1]!);
  }
  return out;
}

/** Mean absolute error of the in-sample seasonal naive forecast: the MASE denominator (Hyndman & Koehler 2006). */
export function naiveScale(y: readonly number[], m: number): number {
  let sum = 0;
  let n = 0;
  for (let t = m; t < y.length; t++) {
    sum += Math.abs(y[t]! - y[t - m]!);
    n++;
  }
  return n ? sum / n : Number.NaN;
}
