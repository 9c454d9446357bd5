/** Renders evaluation rows as an aligned text table (terminal) or a Markdown table (results file). */
import type { Metrics } from './metrics';

/** One detector's line in a table. */
export interface ResultRow {
  detector: string;
  metrics: Metrics;
}

const HEAD = ['detector', 'precision', 'recall', 'F1', 'FP/1k pts', 'mean delay (pts)', 'detected', 'alarm %'];

function cells(r: ResultRow): string[] {
  const m = r.metrics;
  return [
    r.detector,
    m.precision.toFixed(3),
    m.recall.toFixed(3),
    m.f1.toFixed(3),
    m.fpPer1000.toFixed(2),
    m.meanDelay === null ? '–' : m.meanDelay.toFixed(1),
    `${m.detected}/${m.windows}`,
    (100 * m.alarmRate).toFixed(2),
  ];
}

/** Fixed-width columns, numbers right-aligned. */
export function textTable(rows: ResultRow[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** GitHub-flavoured Markdown. */
export function markdownTable(rows: ResultRow[]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map((_, c) => (c === 0 ? '---' : '---:'))), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** Recall per anomaly kind, one row per detector. */
export function kindTable(kinds: readonly string[], rows: Array<{ detector: string; recall: Record<string, string> }>, markdown: boolean): string {
  const head = ['detector', ...kinds];
  const body = rows.map((r) => [r.detector, ...kinds.map((k) => r.recall[k] ?? '–')]);
  if (markdown) {
    const line = (r: string[]) => `| ${r.join(' | ')} |`;
    return [line(head), line(head.map((_, c) => (c === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
  }
  const all = [head, ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
