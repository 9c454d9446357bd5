import type { PhaseResult } from './phase';

/** vigil / floor for the compared metrics (throughput < 1 and latency > 1 mean Vigil costs more). */
export interface Ratios {
  throughput: number;
  p50: number;
  p99: number;
}

/** One row of the comparison: label, floor, Vigil, ratio (empty when not compared). */
export type Row = [string, string, string, string];

const ratio = (vigil: number, floor: number): number => (floor > 0 ? Math.round((vigil / floor) * 100) / 100 : Number.NaN);

/** The vigil / floor ratios. */
export function ratios(floor: PhaseResult, vigil: PhaseResult): Ratios {
  return {
    throughput: ratio(vigil.throughputPerSec, floor.throughputPerSec),
    p50: ratio(vigil.latencyMs.p50, floor.latencyMs.p50),
    p99: ratio(vigil.latencyMs.p99, floor.latencyMs.p99),
  };
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/** The rows both renderings share. */
export function comparisonRows(floor: PhaseResult, vigil: PhaseResult): Row[] {
  const r = ratios(floor, vigil);
  return [
    ['throughput (incidents/s)', fmt(floor.throughputPerSec), fmt(vigil.throughputPerSec), fmt(r.throughput, 2)],
    ['trigger → first notification p50 (ms)', fmt(floor.latencyMs.p50), fmt(vigil.latencyMs.p50), fmt(r.p50, 2)],
    ['trigger → first notification p99 (ms)', fmt(floor.latencyMs.p99), fmt(vigil.latencyMs.p99), fmt(r.p99, 2)],
    ['all notified after (s)', fmt(floor.wallMs / 1000), fmt(vigil.wallMs / 1000), ''],
    ['all starts accepted after (s)', fmt(floor.startsMs / 1000), fmt(vigil.startsMs / 1000), ''],
    ['RSS before → peak (MiB)', `${fmt(floor.rssMb.before, 0)} → ${fmt(floor.rssMb.peak, 0)}`, `${fmt(vigil.rssMb.before, 0)} → ${fmt(vigil.rssMb.peak, 0)}`, ''],
    ['RSS after (MiB)', fmt(floor.rssMb.after, 0), fmt(vigil.rssMb.after, 0), ''],
    ['notified / requested', `${floor.notified}/${floor.requested}`, `${vigil.notified}/${vigil.requested}`, ''],
  ];
}

const HEADER: Row = ['metric', 'floor', 'vigil', 'vigil/floor'];

/** A plain-text table for stdout. */
export function textTable(rows: Row[]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: Row) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table. */
export function markdownTable(rows: Row[]): string {
  const line = (r: Row) => `| ${r.join(' | ')} |`;
  return [line(HEADER), '|---|--:|--:|--:|', ...rows.map(line)].join('\n');
}
