// Sample-ratio checks that survive a stopped variant. Once a variant is stopped, assign() gives its
// units control with `live: false` (sdk/experiments.ts), so they are counted nowhere: after the stop
// the running variants should split the counted units by their own weights, renormalised, and the
// stopped variant's late windows (assigned before the view refreshed) say nothing about the split.
// So the exposures are cut at every stop into phases, each tested against the weights in force
// then, and the phases' chi-squares add up (independent counts) to one test with their degrees of
// freedom summed: a broken split in any phase, before or after a stop, still fails the gate.
import { upperIncompleteGamma } from '../stats/special';
import { SRM_ALPHA, srmTest, type SrmResult } from '../stats/srm';

/** The counted units per variant when a look stopped variants, and every variant stopped by then. */
export interface StopSnapshot {
  atLook: number;
  stopped: string[];
  counts: Record<string, number>;
}

/** One phase between stops: the variants running in it, their units counted in it and their test. */
export interface SrmPhase {
  fromLook: number;
  running: string[];
  counts: number[];
  /** Null when fewer than two variants ran, or too few units were counted for the chi-square. */
  result: SrmResult | null;
}

/** Below this many expected units in a cell the chi-square approximation is not trusted. */
const MIN_EXPECTED = 5;

/** A variant's counted units: first exposures, or requests when the SDK logs no exposures. */
export const srmCounts = (totals: Record<string, { exposures: number; requests: number }>): Record<string, number> =>
  Object.fromEntries(Object.entries(totals).map(([k, t]) => [k, t.exposures > 0 ? t.exposures : t.requests]));

/**
 * The SRM gate over phases cut at each stop snapshot (in look order), with `current` the counted
 * units now. Null when no phase could be tested yet.
 */
export function srmAcrossStops(variants: ReadonlyArray<{ name: string; weight: number }>, current: Record<string, number>, stops: readonly StopSnapshot[]): { srm: SrmResult | null; phases: SrmPhase[] } {
  const ends = [...stops.map((s) => s.counts), current];
  const phases: SrmPhase[] = ends.map((end, i) => {
    const start = i === 0 ? {} : ends[i - 1]!;
    const stopped = new Set(i === 0 ? [] : stops[i - 1]!.stopped);
    const running = variants.filter((v) => !stopped.has(v.name));
    const counts = running.map((v) => Math.max(0, (end[v.name] ?? 0) - (start[v.name] ?? 0)));
    const total = counts.reduce((s, c) => s + c, 0);
    const weightSum = running.reduce((s, v) => s + v.weight, 0);
    const testable = running.length >= 2 && running.every((v) => (total * v.weight) / weightSum >= MIN_EXPECTED);
    return {
      fromLook: i === 0 ? 0 : stops[i - 1]!.atLook,
      running: running.map((v) => v.name),
      counts,
      result: testable ? srmTest(counts, running.map((v) => v.weight)) : null,
    };
  });
  const tested = phases.flatMap((p) => (p.result ? [p.result] : []));
  if (tested.length === 0) return { srm: null, phases };
  const chi2 = tested.reduce((s, r) => s + r.chi2, 0);
  const df = tested.reduce((s, r) => s + r.df, 0);
  const p = upperIncompleteGamma(df / 2, chi2 / 2);
  return { srm: { chi2, df, p, mismatch: p < SRM_ALPHA }, phases };
}

/**
 * The snapshots after a look: one more when the look stopped a variant. None when an earlier stop
 * has no snapshot (stopped before they were kept): its phases cannot be cut, so the gate stays off.
 */
export function noteStops(stops: readonly StopSnapshot[], before: Record<string, unknown>, after: Record<string, unknown>, look: number, counts: Record<string, number>): StopSnapshot[] {
  const covered = Object.keys(before).every((v) => stops.at(-1)?.stopped.includes(v));
  const fresh = Object.keys(after).some((v) => !(v in before));
  return covered && fresh ? [...stops, { atLook: look, stopped: Object.keys(after).sort(), counts: { ...counts } }] : [...stops];
}
