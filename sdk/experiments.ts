// Sticky assignment for RAG services: assign(experiment, unit) hashes (experiment, salt, unit) as
// domain/experiments/assignment.ts documents (the same in every replica and in Python), logs the
// unit's first exposure, and honours the kill switch: the assignment view (weights, paused, stopped
// variants) is refreshed every window, so a stopped variant gets no traffic after the next refresh.
import { variantPicker } from '../domain/experiments/assignment';
import type { ExperimentMetric } from '../domain/experiments/metrics';
import { systemClock, type ReporterClock, type TimerHandle } from './clock';
import type { ExperimentTag } from './experiment-windows';

/** What the API's GET /v1/experiments/:name/assignment returns. */
export interface AssignmentView {
  name: string;
  salt: string;
  unit: 'user' | 'session' | 'request';
  primary: ExperimentMetric;
  variants: Array<{ name: string; weight: number }>;
  status: 'running' | 'paused' | 'stopped' | 'shipped';
  stoppedVariants: string[];
}

/** Where assignment views come from (the API, or a test). */
export type AssignmentSource = (experiment: string) => Promise<AssignmentView>;

export interface ExperimentsOptions {
  source: AssignmentSource;
  /** The experiments this service takes part in. */
  experiments: string[];
  /** How often views are refreshed: at most one window, so the kill switch acts within one. */
  refreshMs?: number;
  clock?: ReporterClock;
  /** Told of exposures (first time a unit is assigned in this process): the reporter counts them. */
  onExposure?: (tag: ExperimentTag, unit: string) => void;
  onError?: (error: Error) => void;
  /** Units remembered per experiment to log only first exposures (oldest forgotten first). */
  maxRememberedUnits?: number;
}

/** The variant a unit gets, and whether the experiment is live for it (false: control by kill switch or unknown). */
export interface Assignment {
  /** The experiment's name: an Assignment is itself the tag `record({ experiment })` takes. */
  name: string;
  variant: string;
  live: boolean;
}

export interface Experiments {
  assign(experiment: string, unit: string): Assignment;
  /** Fetches every view now; resolves when done (errors go to onError; old views are kept). */
  refresh(): Promise<void>;
  /** The primary metric of an experiment, once its view is known (for CUPED pairing). */
  primaryOf(experiment: string): ExperimentMetric | undefined;
  stop(): void;
}

/** The reporter's HTTP API as an assignment source. */
export function httpAssignmentSource(baseUrl: string, apiKey: string, fetchImpl: typeof fetch = fetch): AssignmentSource {
  return async (name) => {
    const res = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/v1/experiments/${encodeURIComponent(name)}/assignment`, { headers: { authorization: `Bearer ${apiKey}` } });
    if (!res.ok) throw new Error(`assignment view of ${name}: HTTP ${res.status}`);
    return (await res.json()) as AssignmentView;
  };
}

export function createExperiments(o: ExperimentsOptions): Experiments {
  const clock = o.clock ?? systemClock;
  const refreshMs = o.refreshMs ?? 10_000;
  const maxUnits = o.maxRememberedUnits ?? 100_000;
  const views = new Map<string, { view: AssignmentView; pick: (unit: string) => { name: string } }>();
  const seen = new Map<string, Set<string>>();
  let timer: TimerHandle | undefined;
  let stopped = false;

  const report = (e: unknown) => {
    try {
      o.onError?.(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // The service's handler failing must not stop refreshes.
    }
  };
  async function refresh(): Promise<void> {
    await Promise.all(
      o.experiments.map(async (name) => {
        try {
          const view = await o.source(name);
          views.set(name, { view, pick: variantPicker(view.variants, name, view.salt) });
        } catch (e) {
          report(e);
        }
      }),
    );
  }
  const tick = () => {
    void refresh().finally(() => {
      if (!stopped) timer = clock.setTimer(tick, refreshMs);
    });
  };
  tick();

  return {
    assign(experiment, unit) {
      const entry = views.get(experiment);
      const v = entry?.view;
      if (!entry || !v || v.variants.length === 0) return { name: experiment, variant: 'control', live: false };
      const control = v.variants[0]!.name;
      // Paused or over: everyone gets control, and nothing is logged as an exposure.
      if (v.status !== 'running') return { name: experiment, variant: control, live: false };
      const picked = entry.pick(unit).name;
      if (v.stoppedVariants.includes(picked)) return { name: experiment, variant: control, live: false };
      // Each request is its own unit: every call is a first exposure, and remembering them would only churn memory.
      if (v.unit === 'request') {
        o.onExposure?.({ name: experiment, variant: picked }, unit);
        return { name: experiment, variant: picked, live: true };
      }
      let units = seen.get(experiment);
      if (!units) seen.set(experiment, (units = new Set()));
      if (!units.has(unit)) {
        units.add(unit);
        if (units.size > maxUnits) units.delete(units.values().next().value!);
        o.onExposure?.({ name: experiment, variant: picked }, unit);
      }
      return { name: experiment, variant: picked, live: true };
    },
    refresh,
    primaryOf: (name) => views.get(name)?.view.primary,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
