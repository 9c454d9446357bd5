import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Delivery, NotifyActivities } from '../activities/notify/types';
import type { StoreActivities } from '../activities/store/types';
import { fingerprint } from '../domain/fingerprint';
import { actorRefusal, parseUntil } from '../domain/incident-actions';
import { advanceClock, nextWakeAt } from '../domain/incident-clock';
import type { IncidentEffect, IncidentState, Transition } from '../domain/incident-state';
import * as t from '../domain/incident-transitions';
import { summaryLine, toView } from '../domain/incident-view';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  conditionClearedSignal,
  escalateNowUpdate,
  occurrenceSignal,
  resolveUpdate,
  snoozeUpdate,
  stateQuery,
  type ActionResult,
  type IncidentOutcome,
  type IncidentWorkflowInput,
  type OccurrenceInput,
} from './incident-messages';
import { VigilKind, VigilService, VigilSeverity, VigilStatus } from './search-attributes';

const notify = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30s',
  // Bounded so a dead channel shows up as notify_failed in the timeline instead of stalling escalation.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const store = proxyActivities<StoreActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Occurrences handled per run before continuing as new, on top of the server's own suggestion. */
export const OCCURRENCES_PER_RUN = 2000;

function refuse(reason: string | null): void {
  if (reason !== null) throw new Error(reason);
}

function toOccurrence(o: OccurrenceInput): t.Occurrence {
  const details: t.Occurrence['details'] = {};
  if (o.current !== undefined) details.current = o.current;
  if (o.threshold !== undefined) details.threshold = o.threshold;
  if (o.unit !== undefined) details.unit = o.unit;
  if (o.impact !== undefined) details.impact = o.impact;
  const occ: t.Occurrence = { severity: o.severity, title: o.title, details };
  if (o.occurrenceId !== undefined) occ.occurrenceId = o.occurrenceId;
  return occ;
}

function failureText(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * One open incident (ID `incident/<fingerprint>`): escalates on durable timers until acknowledged or
 * resolved, takes human actions as Updates, stays reopenable for a while after resolve, then completes.
 */
export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentOutcome> {
  const info = workflowInfo();
  let state: IncidentState =
    input.carried?.state ??
    t.openIncident(
      {
        workflowId: info.workflowId,
        incidentId: info.firstExecutionRunId,
        fingerprint: fingerprint(input.violation.service, input.violation.kind, input.violation.dimension),
        violation: input.violation,
        policyName: input.policyName,
        policy: input.policy,
        settings: input.settings,
      },
      Date.now(),
    );
  let projectedSeq = input.carried?.projectedSeq ?? 0;
  let occurrencesThisRun = 0;
  let changed = true;
  const pending: IncidentEffect[] = [];

  const apply = (tr: Transition): ActionResult => {
    const didChange = tr.state !== state;
    state = tr.state;
    pending.push(...tr.effects);
    changed = changed || didChange;
    return { changed: didChange, status: state.status, message: tr.message };
  };

  setHandler(occurrenceSignal, (o) => {
    occurrencesThisRun++;
    apply(t.recordOccurrence(state, toOccurrence(o), Date.now()));
  });
  setHandler(conditionClearedSignal, (c) => {
    apply(t.conditionCleared(state, c.reason ?? '', Date.now()));
  });
  setHandler(stateQuery, () => state);

  // Handlers are synchronous, so Updates apply strictly in arrival order and each validator sees
  // the state every earlier message left behind (an ack racing an auto-resolve is refused, not lost).
  setHandler(acknowledgeUpdate, ({ by }) => apply(t.acknowledge(state, by, Date.now())), {
    validator: ({ by }) => {
      refuse(actorRefusal(by));
      refuse(t.acknowledgeRefusal(state));
    },
  });
  setHandler(resolveUpdate, ({ by, reason }) => apply(t.resolve(state, by, reason ?? '', Date.now())), {
    validator: ({ by, reason }) => {
      refuse(actorRefusal(by));
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 2000)) {
        refuse('"reason" must be text of at most 2000 characters');
      }
    },
  });
  setHandler(snoozeUpdate, ({ by, until }) => apply(t.snooze(state, by, parseUntil(until), Date.now())), {
    validator: ({ by, until }) => {
      refuse(actorRefusal(by));
      refuse(t.snoozeRefusal(state, parseUntil(until), Date.now()));
    },
  });
  setHandler(escalateNowUpdate, ({ by }) => apply(t.escalateNow(state, by, Date.now())), {
    validator: ({ by }) => {
      refuse(actorRefusal(by));
      refuse(t.escalateNowRefusal(state));
    },
  });
  setHandler(addNoteUpdate, ({ by, text }) => apply(t.addNote(state, by, text, Date.now())), {
    validator: ({ by, text }) => {
      refuse(actorRefusal(by));
      refuse(typeof text === 'string' ? t.noteRefusal(text) : '"text" must be a string');
    },
  });

  // Projection runs behind the main loop so a slow or down Postgres never delays a page.
  let projection: Promise<void> = Promise.resolve();
  const project = (): void => {
    if (state.seq <= projectedSeq) return;
    const events = state.timeline.filter((e) => e.seq > projectedSeq);
    const input = { view: toView(state), lastSeq: state.seq, events };
    projectedSeq = state.seq;
    projection = projection.then(() => store.projectIncident(input));
  };

  async function deliver(step: string, d: Delivery): Promise<void> {
    const target = d.key;
    try {
      const r = await notify.deliverNotification({ view: toView(state), step, target, channel: d.channel, ...(d.address ? { address: d.address } : {}) });
      state = t.recordDelivery(
        state,
        { step, target, channel: d.channel, ok: true, detail: r.duplicate ? `${r.detail} (already sent)` : r.detail, channelType: r.channelType, ...(r.ref ? { ref: r.ref } : {}) },
        Date.now(),
      );
    } catch (err) {
      state = t.recordDelivery(state, { step, target, channel: d.channel, ok: false, detail: failureText(err) }, Date.now());
      if (d.fallback) {
        // Retries are exhausted (the activity's policy): try the fallback once, as its own ledger entry.
        state = t.recordFallback(state, step, target, d.fallback, Date.now());
        await deliver(step, { key: `${target}>${d.fallback}`, channel: d.fallback });
      }
    }
  }

  /** One escalation step: ask whether it is muted and who it reaches, then send to each in parallel. */
  async function notifyStep(e: Extract<IncidentEffect, { type: 'notify' }>): Promise<void> {
    let plan;
    try {
      plan = await notify.planDelivery({ view: toView(state), step: e.step, targets: e.targets, at: Date.now() });
    } catch (err) {
      // Without a plan we cannot know who is on call; page the literal targets rather than nobody.
      state = t.recordDelivery(state, { step: e.step, target: 'plan', ok: false, detail: failureText(err) }, Date.now());
      plan = { deliveries: e.targets.map((target) => ({ key: target, channel: target })), paged: [] };
    }
    if (plan.suppressed) {
      state = t.holdStep(state, e, plan.suppressed.reason, plan.suppressed.recheckAt, Date.now());
      changed = true;
      return;
    }
    state = t.releaseStep(state, e.step, Date.now());
    state = t.recordPaged(state, e.step, plan.paged, Date.now());
    await Promise.all(plan.deliveries.map((d) => deliver(e.step, d)));
  }

  let shown = '';
  function publish(): void {
    const view = toView(state);
    const line = summaryLine(view);
    if (line === shown) return;
    shown = line;
    upsertSearchAttributes([
      { key: VigilService, value: state.service },
      { key: VigilKind, value: state.kind },
      { key: VigilSeverity, value: state.severity },
      { key: VigilStatus, value: state.status },
    ]);
    upsertMemo({ summary: line });
  }

  async function performEffects(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.splice(0);
      await Promise.all(batch.flatMap((e) => (e.type === 'notify' ? [notifyStep(e)] : [])));
      if (batch.some((e) => e.type === 'refresh') && state.messages.length > 0) {
        try {
          await notify.refreshMessages({ view: toView(state), step: `refresh.${state.seq}` });
        } catch (err) {
          // A stale message is cosmetic; the timeline says so and escalation goes on.
          state = t.recordDelivery(state, { step: `refresh.${state.seq}`, target: 'messages', ok: false, detail: failureText(err) }, Date.now());
        }
      }
    }
    publish();
    project();
  }

  for (;;) {
    apply(advanceClock(state, Date.now()));
    await performEffects();
    if (state.closed) break;
    if (workflowInfo().continueAsNewSuggested || occurrencesThisRun >= (input.occurrencesPerRun ?? OCCURRENCES_PER_RUN)) {
      await condition(allHandlersFinished);
      await performEffects();
      await projection;
      await continueAsNew<typeof incidentWorkflow>({ ...input, carried: { state, projectedSeq } });
    }
    const wake = nextWakeAt(state);
    changed = false;
    const wait = wake === null ? undefined : wake - Date.now();
    if (wait !== undefined && wait <= 0) continue;
    const woken = () => changed || pending.length > 0 || workflowInfo().continueAsNewSuggested;
    await (wait === undefined ? condition(woken) : condition(woken, wait));
  }

  await condition(allHandlersFinished);
  await performEffects();
  await projection;
  return { incidentId: state.incidentId, status: state.status, episodes: state.episode, occurrences: state.occurrences };
}
