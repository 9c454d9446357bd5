// SDK assign() as it was before the issue 17 speed work (commit 4722fda), kept so the bench measures
// old and new side by side in one run: a first-exposure Set<string> per experiment with FIFO
// eviction, the kill switch checked per call (status, stoppedVariants.includes), and the slice by
// `point × total < edge`. Same variants and exposures as sdk/experiments.ts
// (test/unit/sdk-experiments.test.ts compares them).
import { pointFor } from '../domain/experiments/assignment';
import type { AssignmentView } from '../sdk';
import type { ExperimentTag } from '../sdk/experiment-windows';

/** The old assign() over fixed views (no refresh loop: it is not on the timed path). */
export function assignV1(views: AssignmentView[], maxUnits: number, onExposure?: (tag: ExperimentTag, unit: string) => void) {
  const entries = new Map<string, { view: AssignmentView; pick: (unit: string) => { name: string } }>();
  for (const view of views) {
    const point = pointFor(view.name, view.salt);
    const total = view.variants.reduce((s, v) => s + v.weight, 0);
    const edges: number[] = [];
    let edge = 0;
    for (const v of view.variants) edges.push((edge += v.weight));
    const last = view.variants[view.variants.length - 1]!;
    const pick = (unit: string) => {
      const p = point(unit) * total;
      for (let i = 0; i < edges.length; i++) if (p < edges[i]!) return view.variants[i]!;
      return last;
    };
    entries.set(view.name, { view, pick });
  }
  const seen = new Map<string, Set<string>>();
  return (experiment: string, unit: string) => {
    const entry = entries.get(experiment);
    const v = entry?.view;
    if (!entry || !v || v.variants.length === 0) return { name: experiment, variant: 'control', live: false };
    const control = v.variants[0]!.name;
    if (v.status !== 'running') return { name: experiment, variant: control, live: false };
    const picked = entry.pick(unit).name;
    if (v.stoppedVariants.includes(picked)) return { name: experiment, variant: control, live: false };
    if (v.unit === 'request') {
      onExposure?.({ name: experiment, variant: picked }, unit);
      return { name: experiment, variant: picked, live: true };
    }
    let units = seen.get(experiment);
    if (!units) seen.set(experiment, (units = new Set()));
    if (!units.has(unit)) {
      units.add(unit);
      if (units.size > maxUnits) units.delete(units.values().next().value!);
      onExposure?.({ name: experiment, variant: picked }, unit);
    }
    return { name: experiment, variant: picked, live: true };
  };
}
