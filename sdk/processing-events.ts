// The emitter RAG services use to report data-processing events for compliance checks. emit()
// validates at the call site, so a caller's bug shows there rather than as a 400 later, and stamps
// the id once, so every retry carries the same ids (the API keys its incidents on them). One pump
// sends batches strictly in emit order; a batch is retried whole on 429/5xx/network errors and
// dropped, and reported, on other 4xx: resending an invalid or unauthorised batch cannot help.
import type { ProcessingEvent } from '../domain/compliance/event';
import type { TimerHandle } from './clock';
import type { TransportError } from './errors';
import { EmitterError } from './processing-events-errors';
import { createEventPoster, type ProcessingEventResult } from './processing-events-http';
import { settings, toEvent, type EmitEvent, type FlushResult, type ProcessingEventEmitter, type ProcessingEventEmitterOptions } from './processing-events-options';

export type { EmitEvent, EmitterStats, FlushResult, ProcessingEventEmitter, ProcessingEventEmitterOptions } from './processing-events-options';

interface Queued {
  seq: number;
  event: ProcessingEvent;
}
interface Waiter {
  upTo: number;
  found: FlushResult;
  done(found: FlushResult): void;
}
type Outcome = { results: ProcessingEventResult[] } | { error: EmitterError };

// setTimeout's largest delay: the timer that holds the process open while a flush is awaited.
const FOREVER_MS = 2 ** 31 - 1;

/** An emitter for one system's processing events; call close() before the process exits. */
export function createProcessingEventEmitter(options: ProcessingEventEmitterOptions): ProcessingEventEmitter {
  const s = settings(options);
  const { clock } = s;
  const post = createEventPoster({ baseUrl: options.baseUrl, token: options.token, fetch: options.fetch ?? ((url, init) => fetch(url, init)), timeoutMs: options.timeoutMs ?? 10_000, now: () => clock.now() });
  const buffer: Queued[] = [];
  let inFlight: Queued[] = [];
  const waiters: Waiter[] = [];
  const n = { emitted: 0, refused: 0, sent: 0, violations: 0, dropped: 0, retries: 0 };
  // Every event with seq <= settledSeq is sent or dropped; those with seq <= demandUpTo go out without waiting for a full batch.
  let lastSeq = 0;
  let settledSeq = 0;
  let demandUpTo = 0;
  let pumping: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let timer: TimerHandle | undefined;

  // The caller's handlers failing must not stop delivery of later batches.
  function report(error: EmitterError): void {
    try {
      s.onError(error);
    } catch {
      // swallowed, as documented
    }
  }

  function tell(results: ProcessingEventResult[]): void {
    try {
      s.onResults(results);
    } catch {
      // swallowed, as documented
    }
  }

  function refuse(error: EmitterError): never {
    n.refused++;
    throw error;
  }

  function emit(input: EmitEvent): string {
    if (closing) refuse(new EmitterError('closed', `processing event emitter for "${s.system}" is closed`, 1));
    let event: ProcessingEvent;
    try {
      event = toEvent(input, s.system, clock.now());
    } catch (e) {
      n.refused++;
      throw e;
    }
    if (buffer.length + inFlight.length >= s.maxBuffered) {
      refuse(new EmitterError('buffer_full', `processing event emitter for "${s.system}" already holds ${s.maxBuffered} unsent events (is the API reachable?); event ${event.id} refused`, 1));
    }
    buffer.push({ seq: ++lastSeq, event });
    n.emitted++;
    if (buffer.length >= s.maxBatch) kick();
    return event.id;
  }

  function ready(): boolean {
    const head = buffer[0];
    return head !== undefined && (buffer.length >= s.maxBatch || head.seq <= demandUpTo);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => clock.setTimer(resolve, ms));
  }

  function backoffMs(retry: number, error: TransportError): number {
    const base = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** (retry - 1));
    // Half fixed, half random: replicas that failed together do not all retry together.
    const delay = base / 2 + (Math.random() * base) / 2;
    return error.retryAfterMs === undefined ? delay : Math.max(delay, Math.min(error.retryAfterMs, s.retryMaxMs));
  }

  async function deliver(events: ProcessingEvent[]): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      const out = await post(events);
      if (out.ok) {
        n.sent += events.length;
        if (out.results) {
          n.violations += out.results.filter((r) => !r.overall_compliant).length;
          return { results: out.results };
        }
        report(new EmitterError('internal', `the API accepted ${events.length} processing event(s) but its answer could not be read; their results are unknown`, 0));
        return { results: [] };
      }
      const { error, issues } = out;
      if (!error.retryable) {
        const status = error.status === undefined ? {} : { status: error.status };
        return { error: new EmitterError('send_rejected', `${events.length} processing event(s) dropped, refused by the API: ${error.message}`, events.length, { issues, ...status, cause: error }) };
      }
      if (attempt > s.maxRetries) return { error: new EmitterError('send_failed', `${events.length} processing event(s) dropped after ${attempt} attempt(s): ${error.message}`, events.length, { cause: error }) };
      n.retries++;
      await sleep(backoffMs(attempt, error));
    }
  }

  function settle(batch: Queued[], outcome: Outcome): void {
    if ('error' in outcome) {
      n.dropped += batch.length;
      report(outcome.error);
    } else if (outcome.results.length > 0) tell(outcome.results);
    settledSeq = batch[batch.length - 1]!.seq;
    for (const w of [...waiters]) {
      const mine = batch.flatMap((q, i) => (q.seq <= w.upTo ? [i] : []));
      if ('results' in outcome) w.found.results.push(...mine.flatMap((i) => outcome.results[i] ?? []));
      else if (mine.length > 0) {
        w.found.dropped += mine.length;
        w.found.errors.push(outcome.error);
      }
      if (settledSeq >= w.upTo) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(w.found);
      }
    }
  }

  async function pump(): Promise<void> {
    while (ready()) {
      const batch = buffer.splice(0, s.maxBatch);
      inFlight = batch;
      let outcome: Outcome;
      try {
        outcome = await deliver(batch.map((q) => q.event));
      } catch (e) {
        // A bug of ours must still settle the batch, or flush() would wait forever.
        outcome = { error: new EmitterError('internal', `${batch.length} processing event(s) dropped: ${e instanceof Error ? e.message : String(e)}`, batch.length, { cause: e }) };
      }
      inFlight = [];
      settle(batch, outcome);
    }
  }

  function kick(): void {
    if (pumping) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      // A batch that filled between the pump's last check and here would otherwise wait for the timer.
      if (ready()) kick();
    });
  }

  function flush(): Promise<FlushResult> {
    const upTo = lastSeq;
    if (settledSeq >= upTo) return Promise.resolve({ results: [], dropped: 0, errors: [] });
    demandUpTo = Math.max(demandUpTo, upTo);
    // Every other timer is unref'd; while someone awaits a flush, this one keeps the process alive.
    const hold = clock.setTimer(() => undefined, FOREVER_MS, true);
    return new Promise((resolve) => {
      waiters.push({ upTo, found: { results: [], dropped: 0, errors: [] }, done: (found) => (hold.cancel(), resolve(found)) });
      kick();
    });
  }

  function tick(): void {
    demandUpTo = lastSeq;
    kick();
    timer = clock.setTimer(tick, s.flushIntervalMs);
  }

  timer = clock.setTimer(tick, s.flushIntervalMs);
  return {
    emit,
    flush,
    close: () =>
      (closing ??= (async () => {
        timer?.cancel();
        timer = undefined;
        await flush();
      })()),
    stats: () => ({ ...n, pending: buffer.length + inFlight.length }),
  };
}
