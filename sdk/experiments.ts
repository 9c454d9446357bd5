// Sticky assignment for RAG services: assign(experiment, unit) hashes (experiment, salt, unit) as
// domain/experiments/assignment.ts documents (the same in every replica and in Python), logs the
// unit's first exposure, and honours the kill switch: the assignment view (weights, paused, stopped
// variants) is refreshed every window, so a stopped variant gets no traffic after the next refresh.
// assign() is on every request's path, so each refresh compiles a view into what a call needs: the
// prefix-hashed point function, slice thresholds, and per slice the variant served and whether it is
// live (the kill switch and pause folded in); first exposures are remembered by the unit's
// assignment key in a SeenUnits table (sdk/seen-units.ts says why that cannot bias SRM).
// bench/results/experiments.md measures it against the previous code.
import { sliceThresholds } from '../domain/experiments/assignment';
import type { ExperimentMetric } from '../domain/experiments/metrics';
import { systemClock, type ReporterClock, type TimerHandle } from './clock';
import type { ExperimentTag } from './experiment-windows';
import { assignmentKey, SeenUnits } from './seen-units';
import { fastPointFor } from './wasm/assignment-point';

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

/**
 * The variant a unit gets, and whether the experiment is live for it (false: control by kill switch
 * or unknown). A fresh object per call, never reused: a service holds it from assign() across the
 * awaits of the request until record(), while other requests are assigned; the allocation costs
 * little next to the hash (bench/results/experiments.md).
 */
export interface Assignment {
  /** The experiment's name: an Assignment is itself the tag `record({ experiment })` takes. */
  name: string;
  variant: string;
  live: boolean;
  /** The unit id passed to assign(), so per-variant windows can keep per-unit sums. */
  unit: string;
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

/** A view compiled for assign(): everything per call is an array read. */
interface Compiled {
  view: AssignmentView;
  point: (unit: string) => number;
  thresholds: Float64Array;
  /** Per slice, the variant served: control for a stopped variant, or for all while not running. */
  served: string[];
  live: boolean[];
  anyLive: boolean;
  /** Undefined for request units: each request is its own unit, so every call is a first exposure. */
  seen: SeenUnits | undefined;
}

function compile(name: string, view: AssignmentView, seen: SeenUnits | undefined): Compiled {
  const control = view.variants[0]?.name ?? 'control';
  const running = view.status === 'running';
  const live = view.variants.map((v) => running && !view.stoppedVariants.includes(v.name));
  return {
    view,
    point: fastPointFor(name, view.salt),
    thresholds: sliceThresholds(view.variants.map((v) => v.weight)),
    served: view.variants.length ? view.variants.map((v, i) => (live[i] ? v.name : control)) : [control],
    live,
    anyLive: live.includes(true),
    seen: view.unit === 'request' ? undefined : seen,
  };
}

export function createExperiments(o: ExperimentsOptions): Experiments {
  const clock = o.clock ?? systemClock;
  const refreshMs = o.refreshMs ?? 10_000;
  const maxUnits = o.maxRememberedUnits ?? 100_000;
  const compiled = new Map<string, Compiled>();
  // The experiment last asked for: a service usually asks for the same one, and a string compare
  // (a pointer compare for the same literal) is cheaper than a Map lookup.
  let lastName: string | undefined;
  let last: Compiled | undefined;
  // Per experiment, kept across refreshes: a refresh must not make every unit a first exposure again.
  const seen = new Map<string, SeenUnits>();
  let timer: TimerHandle | undefined;
  let stopped = false;

  const report = (e: unknown) => {
    try {
      o.onError?.(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // The service's handler failing must not stop refreshes.
    }
  };
  const seenOf = (name: string) => {
    let s = seen.get(name);
    if (!s) seen.set(name, (s = new SeenUnits(maxUnits)));
    return s;
  };
  async function refresh(): Promise<void> {
    await Promise.all(
      o.experiments.map(async (name) => {
        try {
          const view = await o.source(name);
          compiled.set(name, compile(name, view, view.unit === 'request' ? undefined : seenOf(name)));
          if (name === lastName) lastName = undefined;
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
      let c = last;
      if (experiment !== lastName) {
        c = compiled.get(experiment);
        if (c) {
          lastName = experiment;
          last = c;
        }
      }
      if (!c) return { name: experiment, variant: 'control', live: false, unit };
      // Paused or over: everyone gets control, nothing is logged, and nothing needs hashing.
      if (!c.anyLive) return { name: experiment, variant: c.served[0]!, live: false, unit };
      const p = c.point(unit);
      const t = c.thresholds;
      let i = 0;
      while (p >= t[i]!) i++;
      const a = { name: experiment, variant: c.served[i]!, live: c.live[i]!, unit };
      // A stopped variant's units get control and are not exposures (of control or of anything).
      if (a.live && (c.seen === undefined || c.seen.firstTime(assignmentKey(p)))) o.onExposure?.(a, unit);
      return a;
    },
    refresh,
    primaryOf: (name) => compiled.get(name)?.view.primary,
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
