// SLA compliance as OpenSLO "Timeslices": the period is cut into fixed slices; a slice is good when
// every SLA it can be judged on is met. Judged with the very checks the ServiceMonitor runs
// (domain/sla.ts), so an executive's "compliance" and an on-call page never disagree.
import { evaluateSla } from '../sla';
import type { ServiceSla } from '../sla-config';
import type { WindowSummary } from '../window-summary';
import { mergeWindowList } from './merge';

/** Slices with enough requests for a verdict, and those of them meeting every SLA. */
export function countTimeslices(windows: readonly WindowSummary[], sla: ServiceSla, sliceMs: number): { judged: number; good: number } {
  const bySlice = new Map<number, WindowSummary[]>();
  for (const w of windows) {
    const s = Math.floor(w.start / sliceMs);
    const list = bySlice.get(s);
    if (list) list.push(w);
    else bySlice.set(s, [w]);
  }
  let judged = 0;
  let good = 0;
  for (const slice of bySlice.values()) {
    // One window per slice, merged in one pass (evaluateSla would fold them pairwise).
    const report = evaluateSla([mergeWindowList(slice)], sla);
    // A slice with too few requests says nothing either way; it is left out rather than counted good.
    if (!report.checks.some((c) => c.breached !== null)) continue;
    judged++;
    if (report.sla_compliant) good++;
  }
  return { judged, good };
}
