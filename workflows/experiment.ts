import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/workflow';
import type { ExperimentActivities } from '../activities/experiments/types';
import { evaluateLook, initialLookState } from '../domain/experiments/evaluate';
import { windowPoint } from '../domain/experiments/report';
import { noteStops, srmCounts } from '../domain/experiments/srm-stops';
import { addTotals, emptyTotals, totalsOf, windowKey, type VariantWindow } from '../domain/experiments/variant-window';
import {
  experimentStatusQuery,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
  variantWindowsSignal,
  type ExperimentActionInput,
  type ExperimentCarried,
  type ExperimentOutcome,
  type ExperimentStatusView,
  type ExperimentWorkflowInput,
} from './experiment-messages';

const act = proxyActivities<ExperimentActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Looks per run before continuing as new: each look's totals carry a sketch per variant. */
export const LOOKS_PER_RUN = 500;
/** Windows kept per variant for the report's bootstrap; the oldest go first. */
const WINDOWS_KEPT = 1000;
/** Window keys remembered for de-duplication (a re-send arrives within minutes, not hours). */
const SEEN_KEPT = 5000;
const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * One per experiment (`experiment/<name>`): adds per-variant windows, looks after every window
 * (always-valid tests, SRM gate, guardrails: domain/experiments/evaluate.ts), stops harmful
 * variants and opens an incident for them, and posts a report when it decides.
 */
export async function experimentWorkflow(input: ExperimentWorkflowInput): Promise<ExperimentOutcome> {
  const d = input.definition;
  const names = new Set(d.variants.map((v) => v.name));
  const c: ExperimentCarried = input.carried ?? { state: initialLookState(), totals: {}, windows: {}, seen: [], paused: false, srm: null, results: {}, ignoredWhilePaused: 0, writes: 0, nextWeeklyAt: Date.now() + WEEK_MS, weeklyLook: 0 };
  const seen = new Set(c.seen);
  const queue: VariantWindow[] = [...(input.pending ?? [])];
  let stopRequest: ExperimentActionInput | undefined;
  let looksThisRun = 0;
  /** Set when the workflow has decided or been stopped: a waiting stop Update then returns. */
  let finished = false;

  const view = (): ExperimentStatusView => ({
    name: d.name,
    paused: c.paused,
    look: c.state.look,
    decision: c.state.decision,
    why: c.state.why,
    stopped: c.state.stopped,
    srm: c.srm,
    results: c.results,
    requests: Object.fromEntries(Object.entries(c.totals).map(([k, t]) => [k, t.requests])),
    ignoredWhilePaused: c.ignoredWhilePaused,
  });
  const stoppedVariants = () => Object.fromEntries(Object.entries(c.state.stopped).map(([k, s]) => [k, s.why]));
  // Paused wins over a look's "running": a look finishing after a pause must not lift the kill switch.
  const record = (status: 'running' | 'paused' | 'stopped' | 'shipped') =>
    act.recordExperimentLook({ name: d.name, seq: ++c.writes, status: status === 'running' && c.paused ? 'paused' : status, stoppedVariants: stoppedVariants(), decision: c.state.decision, why: c.state.why, look: c.state.look, lastLook: { srm: c.srm, results: c.results } });
  const report = (kind: 'start' | 'decision' | 'weekly' | 'manual', stoppedBy?: string) =>
    act.publishExperimentReport({ definition: d, plan: input.plan, kind, state: c.state, srm: c.srm, results: c.results, totals: c.totals, windows: c.windows, ...(stoppedBy ? { stoppedBy } : {}) });

  setHandler(variantWindowsSignal, (ws) => {
    // A window of another experiment, or of a variant this one does not have, would poison the totals.
    for (const w of ws) if (w.experiment === d.name && names.has(w.variant)) queue.push(w);
  });
  setHandler(experimentStatusQuery, view);
  const refuseIfOver = () => {
    if (stopRequest) throw ApplicationFailure.nonRetryable(`experiment ${d.name} is stopping`, 'experiment_over');
  };
  setHandler(
    pauseExperimentUpdate,
    async (_a: ExperimentActionInput) => {
      c.paused = true;
      // Awaited, so the caller knows the kill switch is in place when the update returns.
      await record('paused');
      return view();
    },
    { validator: (_a: ExperimentActionInput) => (refuseIfOver(), c.paused ? fail(`experiment ${d.name} is already paused`) : undefined) },
  );
  setHandler(
    resumeExperimentUpdate,
    async (_a: ExperimentActionInput) => {
      c.paused = false;
      await record('running');
      return view();
    },
    { validator: (_a: ExperimentActionInput) => (refuseIfOver(), c.paused ? undefined : fail(`experiment ${d.name} is not paused`)) },
  );
  setHandler(
    stopExperimentUpdate,
    async (a) => {
      stopRequest = a;
      await condition(() => finished);
      return view();
    },
    { validator: (_a: ExperimentActionInput) => refuseIfOver() },
  );

  const look = async (batch: VariantWindow[]): Promise<boolean> => {
    for (const w of batch) {
      const key = windowKey(w);
      if (seen.has(key)) continue;
      seen.add(key);
      c.totals[w.variant] = addTotals(c.totals[w.variant] ?? emptyTotals(w.latency.alpha), totalsOf(w));
      const kept = (c.windows[w.variant] ??= []);
      kept.push(windowPoint(w));
      if (kept.length > WINDOWS_KEPT) kept.shift();
    }
    // Histories from before the gate was kept on after a stop replay with it off, as they ran.
    const srmStops = patched('srm-after-stop') ? (c.stops ?? []) : undefined;
    // Histories from before the p95 design effect replay with per-request p95 sequences, as they ran:
    // their totals may hold slow counts (a newer SDK) that the old code dropped, the new one would use.
    const r = evaluateLook(d, input.plan, c.totals, c.state, srmStops, { p95DesignEffect: patched('p95-design-effect') });
    c.stops = noteStops(c.stops ?? [], c.state.stopped, r.state.stopped, r.state.look, srmCounts(c.totals));
    c.state = r.state;
    c.srm = r.srm;
    c.results = r.results;
    looksThisRun++;
    for (const b of r.breaches) await act.openExperimentIncident({ experiment: d.name, service: d.service, variant: b.variant, metric: b.metric, why: b.why });
    await record(r.final ? (r.state.decision === 'ship' ? 'shipped' : 'stopped') : 'running');
    if (r.final) await report('decision');
    upsertMemo({ summary: `${d.name}: look ${c.state.look}, ${c.state.decision.replace('_', ' ')}` });
    return r.final;
  };

  if (!input.carried) {
    await record('running');
    // The plan, posted where the decision will be: people see what was started and how long it needs.
    await report('start');
  }
  for (;;) {
    const woke = await condition(() => queue.length > 0 || stopRequest !== undefined || workflowInfo().continueAsNewSuggested, Math.max(1, c.nextWeeklyAt - Date.now()));
    if (!woke) {
      // Weekly, when the week brought new looks: a quiet week has nothing new to report.
      if (c.state.look > c.weeklyLook) {
        await report('weekly');
        c.weeklyLook = c.state.look;
      }
      c.nextWeeklyAt += WEEK_MS;
      continue;
    }
    if (stopRequest) {
      c.state = { ...c.state, why: `${stopRequest.reason ?? 'stopped by hand'}; at look ${c.state.look}: ${c.state.why}` };
      await record('stopped');
      await report('manual', stopRequest.by);
      finished = true;
      await condition(allHandlersFinished);
      return { decision: 'stopped', why: c.state.why, look: c.state.look };
    }
    if (c.paused) {
      // Paused: assignment returns control, and whatever still arrives tagged is not evidence.
      c.ignoredWhilePaused += queue.splice(0).length;
      continue;
    }
    // One look per window start, in order: the sequential tests are defined per look.
    const batch = queue.splice(0).sort((a, b) => a.start - b.start);
    while (batch.length > 0) {
      const start = batch[0]!.start;
      const next = batch.findIndex((w) => w.start !== start);
      const group = batch.splice(0, next === -1 ? batch.length : next);
      if (await look(group)) {
        finished = true;
        await condition(allHandlersFinished);
        return { decision: c.state.decision, why: c.state.why, look: c.state.look };
      }
    }
    if (!stopRequest && (workflowInfo().continueAsNewSuggested || looksThisRun >= (input.looksPerRun ?? LOOKS_PER_RUN))) {
      // A stop Update waits for the end of this run: it is handled here, never carried (that would deadlock).
      await condition(() => allHandlersFinished() || stopRequest !== undefined);
      if (stopRequest) continue;
      c.seen = [...seen].slice(-SEEN_KEPT);
      await continueAsNew<typeof experimentWorkflow>({ ...input, carried: c, pending: queue.splice(0) });
    }
  }
}

function fail(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'experiment_state');
}
