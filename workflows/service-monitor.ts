import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { MlActivities } from '../activities/ml/types';
import type { MonitorActivities } from '../activities/monitor/types';
import { applyModelVerdict, emptyMonitorState, ingestWindow, monitorStatus, type MonitorAction, type MonitorState } from '../domain/monitor';
import type { WindowSummary } from '../domain/window-summary';
import { slaStatusQuery, windowSignal, type ServiceMonitorInput } from './service-monitor-messages';

const monitor = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Windows per run before continuing as new: each carries a sketch, so history grows by a few KB per window. */
export const WINDOWS_PER_RUN = 200;
/** Stored windows are written in batches of this many, or after STORE_IDLE of quiet. */
const STORE_BATCH = 6;
const STORE_IDLE = '30s';

/**
 * One per service (`monitor/<service>`): receives window summaries, judges each against the SLA and
 * the error budget with hysteresis, and opens, feeds or clears incidents. Bounded state; long-lived.
 */
export async function serviceMonitorWorkflow(input: ServiceMonitorInput): Promise<void> {
  let state: MonitorState = input.carried ?? emptyMonitorState(input.service);
  const queue: WindowSummary[] = [...(input.pending ?? [])];
  setHandler(windowSignal, (w) => {
    // A window for another service would poison this one's statistics.
    if (w.service === input.service) queue.push(w);
  });
  setHandler(slaStatusQuery, () => monitorStatus(state));

  // Settings are read once per run, so a config change applies within one run of the monitor.
  const settings = await monitor.loadMonitorSettings({ service: input.service });
  const { sla } = settings;
  // Scoring is best effort and bounded: without an ML worker the SLA checks go on regardless.
  const ml = proxyActivities<MlActivities>({
    taskQueue: settings.mlTaskQueue,
    scheduleToCloseTimeout: '10s',
    retry: { maximumAttempts: 2, initialInterval: '1s' },
  });
  const scored = async (w: WindowSummary, previous: WindowSummary | undefined): Promise<MonitorAction[]> => {
    if (!settings.anomaly.enabled) return [];
    try {
      const verdict = await ml.scoreWindow({ service: input.service, window: w, ...(previous ? { previous } : {}) });
      const r = applyModelVerdict(state, w, verdict, settings.anomaly);
      state = r.state;
      return r.actions;
    } catch {
      return [];
    }
  };
  let unstored: WindowSummary[] = [];
  let windowsThisRun = 0;
  let shownScore = -1;

  const store = async () => {
    if (unstored.length === 0) return;
    const batch = unstored;
    unstored = [];
    await monitor.storeWindows({ windows: batch });
  };

  for (;;) {
    const arrived = await condition(() => queue.length > 0 || workflowInfo().continueAsNewSuggested, unstored.length ? STORE_IDLE : '1h');
    while (queue.length > 0) {
      const w = queue.shift()!;
      const previous = state.recent[state.recent.length - 1];
      const r = ingestWindow(state, w, sla);
      if (r.state === state) continue; // seen before
      state = r.state;
      windowsThisRun++;
      unstored.push(w);
      const actions = [...r.actions, ...(await scored(w, previous))];
      if (actions.length) await monitor.applyMonitorActions({ actions });
    }
    if (unstored.length >= STORE_BATCH || !arrived) await store();
    const score = state.lastReport?.compliance_score ?? 1;
    if (score !== shownScore) {
      shownScore = score;
      upsertMemo({ summary: `${input.service}: compliance ${(score * 100).toFixed(1)} %, ${state.lastReport?.violations.length ?? 0} SLA breach(es)` });
    }
    if (workflowInfo().continueAsNewSuggested || windowsThisRun >= (input.windowsPerRun ?? WINDOWS_PER_RUN)) {
      await condition(allHandlersFinished);
      await store();
      await continueAsNew<typeof serviceMonitorWorkflow>({ ...input, carried: state, pending: queue.splice(0) });
    }
  }
}
