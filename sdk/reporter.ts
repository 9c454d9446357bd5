// The metrics reporter RAG services embed: record() only adds to the open window's fixed-size
// totals; windows close on wall-clock-aligned boundaries (so replicas of one service report the
// same window starts), queue up to a bound, and a single background pump sends them with bounded
// retries. Nothing here throws into the service's request path, and every loss is counted.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { DEFAULT_ALPHA } from '../domain/latency-sketch';
import { VigilError } from '../domain/errors';
import type { WindowSummary } from '../domain/window-summary';
import { systemClock, type ReporterClock, type TimerHandle } from './clock';
import { checkTextField, ReporterError, TransportError } from './errors';
import type { Transport } from './transport';
import { WindowAccumulator, type MetricSample } from './window';
import { ExperimentWindows, type ExperimentTag, type ExperimentTransport } from './experiment-windows';
import type { ExperimentMetric } from '../domain/experiments/metrics';

/** How a reporter is set up; only service and transport are required. */
export interface ReporterOptions {
  service: string;
  /** This instance's name among the service's replicas; default `<hostname>-<pid>-<random>`. */
  source?: string;
  transport: Transport;
  /** Window length; windows start at multiples of it (epoch ms). */
  windowMs?: number;
  /** Closed windows waiting to be sent; when full the oldest is dropped (and reported). */
  maxPendingWindows?: number;
  clock?: ReporterClock;
  /** Told about every loss; must not throw (if it does, the error is swallowed). Default: console.warn. */
  onError?: (error: ReporterError) => void;
  /** Attempts per batch, the first included. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt (with jitter) up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long shutdown() waits for the last windows to go out. */
  shutdownTimeoutMs?: number;
  /** Send windows with no samples too (a heartbeat); off by default to spare the monitor. */
  sendEmptyWindows?: boolean;
  /** Latency sketch accuracy. */
  alpha?: number;
  /** Where per-variant windows of experiment-tagged samples go; without it tags are ignored. */
  experimentTransport?: ExperimentTransport;
  /** The primary metric of an experiment (`experiments.primaryOf`), to pair the CUPED covariate with. */
  experimentPrimary?: (experiment: string) => ExperimentMetric | undefined;
}

/** Counters since the reporter was created. */
export interface ReporterStats {
  /** Samples accepted into a window. */
  recorded: number;
  /** Samples lost: rejected by record() (bad latency, after shutdown) or in windows dropped or failed. */
  dropped: number;
  sentWindows: number;
  /** Windows given up on: retries used up, refused by the receiver, or unsent at shutdown timeout. */
  failedWindows: number;
  /** Windows pushed out of a full queue. */
  droppedWindows: number;
  /** Windows queued or in flight. */
  pendingWindows: number;
}

/** What createReporter returns. */
export interface Reporter {
  /** Adds one request to the open window: synchronous, O(1), never throws. */
  record(sample: MetricSample): void;
  /** Closes the open window now and resolves when every queued window is sent or given up on. */
  flush(): Promise<void>;
  /** Stops the timer, closes the open window and flushes, waiting at most shutdownTimeoutMs; idempotent. */
  shutdown(): Promise<void>;
  stats(): ReporterStats;
  /** Counts a unit's first exposure to an experiment variant (pass as `createExperiments({ onExposure })`). */
  expose(tag: ExperimentTag): void;
}

// setTimeout's largest delay: a flush() with no deadline holds the process open at most this long.
const FOREVER_MS = 2 ** 31 - 1;

type Settings = Required<Omit<ReporterOptions, 'clock' | 'onError' | 'experimentTransport' | 'experimentPrimary'>> & { clock: ReporterClock; onError: (error: ReporterError) => void };

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new VigilError('invalid_input', `reporter ${name} must be a positive integer, got ${value}`);
  return value;
}

function settings(o: ReporterOptions): Settings {
  if (typeof o.service !== 'string' || o.service.trim() === '') throw new VigilError('invalid_input', 'reporter service must be a non-empty string');
  // Both travel in every window: a bad one would be refused at every send, so it fails here, once.
  checkTextField('reporter service', o.service);
  checkTextField('reporter source', o.source);
  if (typeof o.transport?.send !== 'function') throw new VigilError('invalid_input', 'reporter transport must have a send(windows) function');
  return {
    service: o.service,
    source: o.source ?? defaultSource(),
    transport: o.transport,
    windowMs: positiveInt('windowMs', o.windowMs ?? 10_000),
    maxPendingWindows: positiveInt('maxPendingWindows', o.maxPendingWindows ?? 60),
    maxAttempts: positiveInt('maxAttempts', o.maxAttempts ?? 5),
    retryBaseMs: positiveInt('retryBaseMs', o.retryBaseMs ?? 1_000),
    retryMaxMs: positiveInt('retryMaxMs', o.retryMaxMs ?? 30_000),
    shutdownTimeoutMs: positiveInt('shutdownTimeoutMs', o.shutdownTimeoutMs ?? 5_000),
    sendEmptyWindows: o.sendEmptyWindows ?? false,
    alpha: o.alpha ?? DEFAULT_ALPHA,
    clock: o.clock ?? systemClock,
    onError: o.onError ?? ((e) => console.warn(`vigil reporter: ${e.message}`)),
  };
}

const floorTo = (t: number, step: number): number => Math.floor(t / step) * step;
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A reporter for one service; call shutdown() before the process exits to send the last window. */
/** Unique per process: two replicas (or a restarted one) never claim each other's windows. */
function defaultSource(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function createReporter(options: ReporterOptions): Reporter {
  const s = settings(options);
  const { service, source, transport, clock, windowMs } = s;
  const acc = new WindowAccumulator(s.alpha);
  const variants = options.experimentTransport ? new ExperimentWindows(options.experimentPrimary) : undefined;
  const queue: WindowSummary[] = [];
  let inFlight = 0;
  let recorded = 0;
  let dropped = 0;
  let sentWindows = 0;
  let failedWindows = 0;
  let droppedWindows = 0;
  let windowStart = floorTo(clock.now(), windowMs);
  let nextBoundary = windowStart + windowMs;
  let timer: TimerHandle | undefined;
  let closed = false;
  /** Set when shutdown timed out: the pump stops retrying. */
  let abandoned = false;
  let pumping: Promise<void> | undefined;
  let shuttingDown: Promise<void> | undefined;

  function report(error: ReporterError): void {
    try {
      s.onError(error);
    } catch {
      // The service's error handler failing must not stop delivery of later windows.
    }
  }

  // Lost samples travel on in the open window's `dropped`, so the monitor learns of gaps it cannot see.
  function lose(windows: readonly WindowSummary[], error: ReporterError): void {
    for (const w of windows) {
      dropped += w.count;
      acc.dropped += w.count + w.dropped;
    }
    report(error);
  }

  function closeWindow(end: number): void {
    if (variants && options.experimentTransport) {
      const closed = variants.close(windowStart, end - windowStart, source);
      // Best effort, once: an experiment's totals tolerate a lost window (SRM would show a lopsided loss).
      if (closed.length)
        options.experimentTransport.send(closed).catch((e: unknown) => {
          variants.forgetUnits();
          report(new ReporterError('send_failed', `${service}: ${closed.length} experiment window(s) not delivered: ${messageOf(e)}`, 0, { cause: e }));
        });
    }
    if (acc.isEmpty() && !s.sendEmptyWindows) {
      windowStart = end;
      return;
    }
    const summary = acc.toSummary(service, source, windowStart, end - windowStart);
    acc.reset();
    windowStart = end;
    if (queue.length >= s.maxPendingWindows) {
      const oldest = queue.shift()!;
      droppedWindows++;
      lose([oldest], new ReporterError('window_dropped', `${service}: send queue full (${s.maxPendingWindows} windows), dropped the window of ${new Date(oldest.start).toISOString()} (${oldest.count} samples)`, 1));
    }
    queue.push(summary);
    kick();
  }

  function onTick(): void {
    timer = undefined;
    if (closed) return;
    try {
      const now = clock.now();
      // A timer that fires early still closes at the boundary it was set for; one that fires
      // windows late closes at the last boundary passed, so no window is ever empty-length.
      const end = Math.max(nextBoundary, floorTo(now, windowMs));
      closeWindow(end);
      nextBoundary = floorTo(Math.max(now, end), windowMs) + windowMs;
    } catch (e) {
      report(new ReporterError('internal', `${service}: closing a window failed: ${messageOf(e)}`, 0, { cause: e }));
    }
    schedule();
  }

  function schedule(): void {
    timer = clock.setTimer(onTick, Math.max(0, nextBoundary - clock.now()));
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => clock.setTimer(resolve, ms));
  }

  function backoffMs(attempt: number, error: unknown): number {
    const base = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** (attempt - 1));
    // Half fixed, half random: replicas that failed together do not all retry together.
    const delay = base / 2 + (Math.random() * base) / 2;
    const asked = error instanceof TransportError ? error.retryAfterMs : undefined;
    return asked === undefined ? delay : Math.max(delay, Math.min(asked, s.retryMaxMs));
  }

  async function deliver(batch: WindowSummary[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        await transport.send(batch);
        sentWindows += batch.length;
        return;
      } catch (e) {
        error = e;
      }
      // Unknown errors (a synchronous throw, a client library's own error) get the bounded retries.
      const retryable = !(error instanceof TransportError) || error.retryable;
      if (!retryable || attempt >= s.maxAttempts || abandoned) {
        failedWindows += batch.length;
        const why = retryable ? `not delivered after ${attempt} attempt(s)` : 'refused by the receiver';
        lose(batch, new ReporterError(retryable ? 'send_failed' : 'send_rejected', `${service}: ${batch.length} window(s) ${why}: ${messageOf(error)}`, batch.length, { cause: error }));
        return;
      }
      await sleep(backoffMs(attempt, error));
    }
  }

  async function pump(): Promise<void> {
    while (queue.length > 0 && !abandoned) {
      const batch = queue.splice(0, Math.max(1, transport.maxBatch));
      inFlight = batch.length;
      try {
        await deliver(batch);
      } finally {
        inFlight = 0;
      }
    }
  }

  function kick(): void {
    if (pumping || abandoned) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      // A window queued between the pump's last check and here would otherwise wait for the next close.
      if (queue.length > 0) kick();
    });
  }

  /** Waits until nothing is queued or in flight; false when timeoutMs passed first. */
  async function drain(timeoutMs: number): Promise<boolean> {
    // An awaited flush must finish even though every other timer is unref'd: this one holds the process open.
    let hold: TimerHandle | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      hold = clock.setTimer(() => resolve('timeout'), timeoutMs, true);
    });
    try {
      while (queue.length > 0 || pumping) {
        kick();
        if (!pumping) break;
        const done = pumping.then(() => 'done' as const);
        if ((await Promise.race([done, timeout])) === 'timeout') return false;
      }
      return true;
    } finally {
      hold?.cancel();
    }
  }

  async function flush(): Promise<void> {
    try {
      if (!closed) closeWindow(Math.max(clock.now(), windowStart));
      await drain(FOREVER_MS);
    } catch (e) {
      report(new ReporterError('internal', `${service}: flush failed: ${messageOf(e)}`, 0, { cause: e }));
    }
  }

  async function stop(): Promise<void> {
    closed = true;
    timer?.cancel();
    timer = undefined;
    try {
      closeWindow(Math.max(clock.now(), windowStart));
      if (await drain(s.shutdownTimeoutMs)) return;
      abandoned = true;
      const unsent = queue.splice(0);
      failedWindows += unsent.length;
      const inFlightNote = inFlight > 0 ? `; ${inFlight} more in flight, given up after this attempt` : '';
      lose(unsent, new ReporterError('shutdown_timeout', `${service}: shutdown gave up after ${s.shutdownTimeoutMs} ms with ${unsent.length} window(s) unsent${inFlightNote}`, unsent.length));
    } catch (e) {
      report(new ReporterError('internal', `${service}: shutdown failed: ${messageOf(e)}`, 0, { cause: e }));
    }
  }

  function record(sample: MetricSample): void {
    try {
      if (closed) dropped++;
      else if (acc.add(sample)) {
        recorded++;
        const tag = sample.experiment;
        if (variants && tag && tag.live !== false) variants.add(tag, sample);
      } else dropped++;
    } catch {
      // Not a sample at all (null, a throwing getter): counted, never thrown into the request path.
      dropped++;
      if (!closed) acc.dropped++;
    }
  }

  schedule();
  return {
    record,
    flush,
    shutdown: () => (shuttingDown ??= stop()),
    stats: () => ({ recorded, dropped, sentWindows, failedWindows, droppedWindows, pendingWindows: queue.length + inFlight }),
    expose: (tag) => variants?.expose(tag),
  };
}
