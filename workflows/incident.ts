import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  ApplicationFailure,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Delivery, DeliveryPlan, DeliverResult, FirstAttempt, NotifyActivities, SentFailure } from '../activities/notify/types';
import type { ProjectIncidentInput, StoreActivities } from '../activities/store/types';
import { fingerprint } from '../domain/fingerprint';
import { actorRefusal, parseUntil, reasonRefusal } from '../domain/incident-actions';
import { advanceClock, mergeRefreshReasons, nextWakeAt } from '../domain/incident-clock';
import { failureKind, retryAfterOf, retryDelayMs, type SendFailureKind } from '../domain/delivery/retry';
import { recordSent, recordStepPaged, stepAttempts } from '../domain/delivery/step-paged';
import type { IncidentEffect, IncidentState, RefreshReason, Transition } from '../domain/incident-state';
import * as t from '../domain/incident-transitions';
import { summaryLine, toView } from '../domain/incident-view';
import { deliveryReportSignal } from './channel-dispatcher-messages';
import {
  acknowledgeUpdate,
  addNoteUpdate,
  conditionClearedSignal,
  escalateNowUpdate,
  occurrenceFromViolation,
  occurrenceSignal,
  resolveUpdate,
  snoozeUpdate,
  stateQuery,
  viewQuery,
  type ActionResult,
  type AwaitedSend,
  type IncidentOutcome,
  type IncidentWorkflowInput,
  type OccurrenceInput,
  PAGE_PATH,
} from './incident-messages';
import { VigilKind, VigilService, VigilSeverity, VigilStatus } from './search-attributes';

const notify = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30s',
  // Sends heartbeat every second: a worker killed mid-send is noticed in seconds, not at the timeout.
  heartbeatTimeout: '5s',
  // One attempt per activity: the workflow is the retry stage (domain/delivery/retry.ts), so every
  // failed attempt is on the timeline while it is retried, and a dead channel ends in its fallback.
  retry: { maximumAttempts: 1 },
});

/**
 * Steps of incidents set to page locally (config incidents.pageStep) run pageStep inside the workflow
 * task that fires them: no activity task and no second workflow task per step. A local activity holds
 * that task, so its sends get this long; one still going on is awaited by an activity of its own
 * (AWAIT_HOLDER_MS), and a level due meanwhile fires at most this late.
 */
export const LOCAL_STEP_BUDGET_MS = 1000;
/** How long the activity awaiting a send that outlived its step's budget waits for the ledger to record it. */
const AWAIT_HOLDER_MS = 20_000;

const local = proxyLocalActivities<NotifyActivities>({
  // Past the budget, the after-step projection's wait and planning; beyond it the step is planned and
  // sent the two-activity way (the ledger skips what went out).
  startToCloseTimeout: '5s',
  retry: { maximumAttempts: 1 },
});

/** Provider rate limits and busy ledger rows waited out before they count as failed attempts. */
const MAX_NOT_YET_WAITS = 50;
/** How long a resolved incident stays open for its queued pages to be reported before it completes. */
const QUEUED_REPORT_GRACE = '6h';
/** Page keys remembered across continue-as-new, so a repeated dispatcher report is recorded once. */
const REPORTED_KEEP = 500;

const store = proxyActivities<StoreActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Histories written before a step was paged by one `pageStep` activity replay the old way: an incident open across the upgrade keeps its plan + deliver + project commands.
 */
export const ONE_ACTIVITY_PER_STEP = 'page-step-v1';

/**
 * Since this patch pageStep is given the whole state and projects what its step recorded, so a paged
 * step costs one activity, not a step plus a projection. Older histories replay the 'page-step-v1' way.
 */
export const STEP_PROJECTED = 'page-step-v2';

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

type ClassifiedFailure = { kind: SendFailureKind; retryAfterMs?: number; detail: string };

/** A first attempt pageStep made and returned: classified as if the send activity had thrown it. */
function classifySent(f: SentFailure): ClassifiedFailure {
  return { kind: failureKind(f.type, f.nonRetryable), detail: f.message, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) };
}

/** How the retry stage should treat a failed send activity. */
function classifyFailure(err: unknown): ClassifiedFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const detail = failureText(err);
  if (cause instanceof ApplicationFailure) {
    const retryAfterMs = retryAfterOf(cause);
    return { kind: failureKind(cause.type, cause.nonRetryable ?? false), detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // Timeouts and worker crashes: worth another attempt.
  return { kind: 'retryable', detail };
}

function firstAttempt(o: FirstAttempt) {
  if (o.pending) return undefined;
  return o.failure ? { ok: false as const, failure: classifySent(o.failure) } : { ok: true as const, value: o.result };
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

  const occurred = (o: OccurrenceInput): void => {
    occurrencesThisRun++;
    apply(t.recordOccurrence(state, toOccurrence(o), Date.now()));
  };
  setHandler(occurrenceSignal, occurred);
  // Where signal-with-start's signal would have been applied: as its handler is set.
  if (input.firstOccurrence && !input.carried) occurred(occurrenceFromViolation(input.violation));
  setHandler(conditionClearedSignal, (c) => {
    apply(t.conditionCleared(state, c.reason ?? '', Date.now()));
  });
  setHandler(stateQuery, () => state);
  setHandler(viewQuery, () => toView(state));

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
      refuse(reasonRefusal(reason));
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
  // Runs started with pagePath 2 never call patched(), so record no marker. Runs started without it
  // (before pagePath existed) decide as they did: only the newest patch's marker, or v1's own.
  const stepProjected = input.pagePath === 2 || patched(STEP_PROJECTED);
  const onePerStep = stepProjected || patched(ONE_ACTIVITY_PER_STEP);
  // Decided by the start input (settings), so a run replays the way it started.
  const pageLocally = stepProjected && state.settings.pageStep === 'local';
  /** What the projection still lacks, marked as on its way. */
  const takeProjection = (): ProjectIncidentInput | null => {
    if (state.seq <= projectedSeq) return null;
    const events = state.timeline.filter((e) => e.seq > projectedSeq);
    projectedSeq = state.seq;
    return { view: toView(state), lastSeq: state.seq, events };
  };
  const writeProjection = (input: ProjectIncidentInput): void => {
    // A projection Postgres refused for good is recorded by the activity; the next change must still land.
    projection = projection.then(() => store.projectIncident(input)).catch(() => undefined);
  };
  const project = (): void => {
    const input = takeProjection();
    if (input) writeProjection(input);
  };

  // Sends run beside the main loop: a level's timer fires on time whatever an earlier level's sends
  // are doing, and a slow channel never holds up another. `running` is drained before the run ends.
  const running = new Set<Promise<void>>();
  const spawn = (work: Promise<void>): void => {
    running.add(work);
    void work.finally(() => {
      running.delete(work);
      changed = true;
    });
  };
  const update = (next: IncidentState): void => {
    state = next;
    changed = true;
  };
  // Queued pages the channel dispatchers still owe a report for, and pages already reported.
  const awaiting = new Map<string, AwaitedSend>(input.carried?.awaiting ?? []);
  const reported = new Set<string>(input.carried?.reported ?? []);
  const sendKey = (step: string, target: string) => `${step}|${target}`;

  setHandler(deliveryReportSignal, (r) => {
    if (r.incidentId !== state.incidentId) return;
    const key = sendKey(r.step, r.target);
    const rep = r.report;
    if (rep.type === 'retrying') return update(t.recordRetry(state, { step: r.step || 'refresh', target: r.target, attempt: rep.attempt, detail: rep.detail, nextTryAt: rep.nextTryAt }, Date.now()));
    if (r.kind === 'refresh') {
      if (rep.type === 'failed') update(t.recordDelivery(state, { step: 'refresh', target: r.target, ok: false, detail: rep.detail }, Date.now()));
      return;
    }
    if (reported.has(key)) return;
    reported.add(key);
    const waiting = awaiting.get(key);
    awaiting.delete(key);
    const ok = rep.type !== 'failed';
    update(t.recordDelivery(state, { step: r.step, target: r.target, channel: r.channel, ok, detail: rep.detail, ...(rep.type === 'sent' && rep.ref && rep.channelType ? { ref: rep.ref, channelType: rep.channelType } : {}) }, Date.now()));
    if (!ok && waiting?.fallback) fallBack(r.step, r.target, waiting.fallback);
    flushRefresh();
  });

  function fallBack(step: string, target: string, fallback: string): void {
    // Attempts are used up or the channel refused for good: the fallback gets its own ledger entry.
    update(t.recordFallback(state, step, target, fallback, Date.now()));
    spawn(deliver(step, { key: `${target}>${fallback}`, channel: fallback }));
  }

  type Attempt<T> = { ok: true; value: T } | { ok: false; failure: ClassifiedFailure };
  async function attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      return { ok: false, failure: classifyFailure(err) };
    }
  }

  /**
   * Calls a send activity until it succeeds or its attempts are used up, putting each failed attempt
   * on the timeline. `first` is an attempt already made elsewhere (pageStep's), counted like any other.
   */
  async function withRetries<T>(what: { step: string; target: string }, call: () => Promise<T>, first?: Attempt<T>): Promise<{ ok: true; value: T } | { ok: false; detail: string }> {
    let attempts = 0;
    let waits = 0;
    let made = first;
    for (;;) {
      const a = made ?? (await attempt(call));
      made = undefined;
      if (a.ok) return a;
      const f = a.failure;
      // "Not yet" (a provider's rate limit, a ledger row another sender holds) is not a failed attempt.
      if ((f.kind === 'rate_limited' || f.kind === 'busy') && waits++ < MAX_NOT_YET_WAITS) {
        await sleep(Math.max(100, f.retryAfterMs ?? 1000));
        continue;
      }
      attempts++;
      const delay = f.kind === 'permanent' ? null : retryDelayMs(attempts, f.retryAfterMs);
      if (delay === null) return { ok: false, detail: f.detail };
      update(t.recordRetry(state, { ...what, attempt: attempts, detail: f.detail, nextTryAt: Date.now() + delay }, Date.now()));
      await sleep(delay);
    }
  }

  /** One delivery with its retries; `awaitHolderMs` when a send of it may still be going on (a local step's, past its budget). */
  async function deliver(step: string, d: Delivery, first?: Attempt<DeliverResult>, awaitHolderMs?: number): Promise<void> {
    const target = d.key;
    const out = await withRetries({ step, target }, () =>
      notify.deliverNotification({
        view: toView(state), step, target, channel: d.channel, ...(d.address ? { address: d.address } : {}),
        ...(awaitHolderMs ? { awaitHolderMs } : {}),
        // The channel's queue decides whether this page may join a digest (first page, not critical, a storm).
        ...(state.settings.grouping ? { group: state.settings.grouping } : {}),
      }),
      first,
    );
    if (!out.ok) {
      update(t.recordDelivery(state, { step, target, channel: d.channel, ok: false, detail: out.detail }, Date.now()));
      if (d.fallback) fallBack(step, target, d.fallback);
      return;
    }
    const r = out.value;
    if (r.queued) awaitReport(step, d);
    update(recordSent(state, step, { target, channel: d.channel, sent: r }, Date.now()));
    if (!r.queued) flushRefresh();
  }

  /** A page that joined its channel's queue: its dispatcher reports how it went. */
  function awaitReport(step: string, d: Delivery): void {
    const key = sendKey(step, d.key);
    // The dispatcher may have reported already (signals are handled before activity results).
    if (!reported.has(key)) awaiting.set(key, { step, target: d.key, channel: d.channel, ...(d.fallback ? { fallback: d.fallback } : {}) });
  }

  /**
   * One escalation step in one activity: planned and tried once per delivery (with the projection so
   * far written beside it); deliveries that failed go on to their own retries. If the activity fails
   * as a whole, the step is planned and sent the two-activity way, and the ledger skips what went out.
   */
  async function pageStep(e: Extract<IncidentEffect, { type: 'notify' }>): Promise<void> {
    const projection = takeProjection();
    const before = state;
    let r;
    try {
      const args = {
        ...(stepProjected ? { state } : { view: toView(state) }), step: e.step, targets: e.targets, at: Date.now(),
        ...(state.settings.grouping ? { group: state.settings.grouping } : {}),
        // The projection is of the same view: it is sent once.
        ...(projection ? { projection: { lastSeq: projection.lastSeq, events: projection.events } } : {}),
      };
      r = await (pageLocally ? local.pageStep({ ...args, budgetMs: LOCAL_STEP_BUDGET_MS }) : notify.pageStep(args));
    } catch {
      if (projection) writeProjection(projection);
      // A local step that ran out of time may still be sending: its deliveries await the ledger's record of it.
      return planThenSend(e, pageLocally ? AWAIT_HOLDER_MS : undefined);
    }
    if (projection && !r.projected) writeProjection(projection);
    if (r.suppressed) followPlan(e, r);
    else if (r.at !== undefined) followStep(e, r, before, r.at);
    else followPlan(e, { deliveries: r.outcomes.map((o) => o.delivery), paged: r.paged }, r.outcomes.map(firstAttempt));
  }

  /**
   * Records a paged step exactly as pageStep projected it (same function, state and time), so the
   * projection is current if nothing else changed the incident meanwhile; failed first attempts go on
   * to their retries, queued ones wait for their dispatcher's report.
   */
  function followStep(e: Extract<IncidentEffect, { type: 'notify' }>, r: { paged: string[]; outcomes: FirstAttempt[]; projectedThrough?: number }, before: IncidentState, at: number): void {
    const untouched = state === before;
    update(recordStepPaged(state, e.step, r.paged, stepAttempts(r.outcomes), at));
    if (untouched && r.projectedThrough === state.seq) projectedSeq = state.seq;
    for (const o of r.outcomes) {
      if (o.pending) spawn(deliver(e.step, o.delivery, undefined, AWAIT_HOLDER_MS));
      else if (o.failure) spawn(deliver(e.step, o.delivery, firstAttempt(o)));
      else if (o.result.queued) awaitReport(e.step, o.delivery);
    }
    flushRefresh();
  }

  /** One escalation step: ask whether it is muted and who it reaches, then send to each independently. */
  async function planThenSend(e: Extract<IncidentEffect, { type: 'notify' }>, awaitHolderMs?: number): Promise<void> {
    let plan;
    try {
      plan = await notify.planDelivery({ view: toView(state), step: e.step, targets: e.targets, at: Date.now() });
    } catch (err) {
      // Without a plan we cannot know who is on call; page the literal targets rather than nobody.
      update(t.recordDelivery(state, { step: e.step, target: 'plan', ok: false, detail: failureText(err) }, Date.now()));
      plan = { deliveries: e.targets.map((target) => ({ key: target, channel: target })), paged: [] };
    }
    followPlan(e, plan, [], awaitHolderMs);
  }

  /** Holds a muted step until its re-check, or records who it pages and sends each delivery (with the attempt already made, if any). */
  function followPlan(e: Extract<IncidentEffect, { type: 'notify' }>, plan: DeliveryPlan, firstAttempts: Array<Attempt<DeliverResult> | undefined> = [], awaitHolderMs?: number): void {
    if (plan.suppressed) {
      update(t.holdStep(state, e, plan.suppressed.reason, plan.suppressed.recheckAt, Date.now()));
      return;
    }
    update(t.recordPaged(t.releaseStep(state, e.step, Date.now()), e.step, plan.paged, Date.now()));
    plan.deliveries.forEach((d, i) => spawn(deliver(e.step, d, firstAttempts[i], awaitHolderMs)));
  }

  // Refreshes run one at a time (a resolve must not overtake its ack) and merge while one is running.
  // Reasons wait while no message is known yet: a change can overtake the report of the first post.
  let refreshReasons: RefreshReason[] = [];
  let refreshing = false;
  /** Sends refreshes that waited for a first message to exist. */
  function flushRefresh(): void {
    if (refreshReasons.length > 0) requestRefresh([]);
  }
  function requestRefresh(reasons: RefreshReason[]): void {
    refreshReasons = mergeRefreshReasons([...refreshReasons, ...reasons]);
    if (refreshing) return;
    refreshing = true;
    spawn(
      (async () => {
        while (refreshReasons.length > 0 && state.messages.length > 0) {
          const reasons = refreshReasons;
          refreshReasons = [];
          const step = `refresh.${state.seq}`;
          const out = await withRetries({ step, target: 'messages' }, () => notify.refreshMessages({ view: toView(state), step, reasons }));
          // A stale message is cosmetic; the timeline says so and escalation goes on.
          if (!out.ok) update(t.recordDelivery(state, { step, target: 'messages', ok: false, detail: out.detail }, Date.now()));
          else for (const f of out.value.failures) update(t.recordDelivery(state, { step, target: f.target, ok: false, detail: f.detail }, Date.now()));
        }
        refreshing = false;
      })(),
    );
  }

  // A starter that already wrote the opening summary (app/incident-client.ts) spares the first task an upsert.
  const startMemo = workflowInfo().memo?.summary;
  let shown = input.carried === undefined && typeof startMemo === 'string' ? startMemo : '';
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

  /** Starts what the last transitions asked for; sends go on in the background. */
  function performEffects(): void {
    for (const e of pending.splice(0)) {
      if (e.type === 'notify') spawn(onePerStep ? pageStep(e) : planThenSend(e));
      else requestRefresh(e.reasons);
    }
    publish();
    project();
  }

  /** Lets every send in progress finish (and every queued page report back, within a bound) before the run ends. */
  async function drain(waitForQueued: boolean): Promise<void> {
    for (;;) {
      await condition(allHandlersFinished);
      await condition(() => running.size === 0 && pending.length === 0);
      if (waitForQueued && awaiting.size > 0) await condition(() => awaiting.size === 0 || pending.length > 0, QUEUED_REPORT_GRACE);
      performEffects();
      if (running.size === 0 && pending.length === 0) break;
    }
    await projection;
  }

  for (;;) {
    apply(advanceClock(state, Date.now()));
    performEffects();
    if (state.closed) break;
    if (workflowInfo().continueAsNewSuggested || occurrencesThisRun >= (input.occurrencesPerRun ?? OCCURRENCES_PER_RUN)) {
      await drain(false);
      await continueAsNew<typeof incidentWorkflow>({ ...input, pagePath: PAGE_PATH, carried: { state, projectedSeq, awaiting: [...awaiting], reported: [...reported].slice(-REPORTED_KEEP) } });
    }
    const wake = nextWakeAt(state);
    changed = false;
    const wait = wake === null ? undefined : wake - Date.now();
    if (wait !== undefined && wait <= 0) continue;
    const woken = () => changed || pending.length > 0 || workflowInfo().continueAsNewSuggested;
    await (wait === undefined ? condition(woken) : condition(woken, wait));
  }

  await drain(true);
  return { incidentId: state.incidentId, status: state.status, episodes: state.episode, occurrences: state.occurrences };
}
