// Ledger overhead without Temporal: the same sends through notifier.send() alone and through the
// deliverNotification activity (ledger transaction + channel rate limit + send), side by side.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createNotifyActivities } from '../activities/notify';
import type { Notifier } from '../activities/notify/notifier';
import type { VigilConfig } from '../domain/config';
import type { IncidentView } from '../domain/incident-view';
import { FANOUT_CHANNELS, type FanoutChannel } from './fanout-fakes';
import { runLimited } from './limiter';
import { collectGarbage } from './memory';
import { percentile } from './stats';

/** Per-send latency in ms: mean and nearest-rank percentiles, rounded to 0.01 ms. */
export interface SendLatency {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** One way of sending, measured over all rounds. */
export interface DirectModeResult {
  requested: number;
  sent: number;
  failed: number;
  /** Sum of this mode's round wall times (first send started → last send settled, per round). */
  wallMs: number;
  sendsPerSec: number;
  latencyMs: SendLatency;
  perChannel: Record<FanoutChannel, SendLatency>;
  /** CPU time of the bench process (sender, fakes and pg client alike) per send, in ms; Postgres's own is not included. */
  processCpuMsPerSend: number;
  /** True when a round stopped making progress (then the remaining rounds are skipped). */
  stalled: boolean;
  firstError?: string;
}

export interface DirectResult {
  views: number;
  concurrency: number;
  rounds: number;
  warmupViews: number;
  /** (a) notifier.send() directly. */
  direct: DirectModeResult;
  /** (b) createNotifyActivities(...).deliverNotification(): ledger + rate limit + send. */
  ledger: DirectModeResult;
  /** ledger / direct: mean and p99 latency, and sends/s (throughput < 1 means the ledger costs throughput). */
  ratio: { mean: number; p99: number; sendsPerSec: number };
  /** On a stall: the pool's Postgres sessions by state (pg_stat_activity). */
  stallSessions?: string;
}

export interface DirectDeps {
  pool: Pool;
  config: VigilConfig;
  notifiers: Record<string, Notifier>;
  logger: Logger;
  views: number;
  concurrency: number;
  /** A round that completes no send for this long is given up (e.g. a pool deadlock). */
  stallMs: number;
  log(line: string): void;
}

const STEP = '1.e1.p0.l1';
const ROUNDS = 4;
const WARMUP_VIEWS = 100;

/** An open, triggered incident as a channel renders it; IDs unique to this run so the ledger never short-circuits. */
function benchView(tag: string, i: number): IncidentView {
  const service = `fanout-direct-${String(i + 1).padStart(4, '0')}`;
  const fp = `${tag}-${i}`;
  return {
    workflowId: `incident/${fp}`,
    incidentId: randomUUID(),
    fingerprint: fp,
    service,
    kind: 'response_time_sla',
    dimension: 'p95',
    severity: 'critical',
    title: 'p95 response time above SLA',
    details: { current: 2400, threshold: 1500, unit: 'ms' },
    labels: { service, kind: 'response_time_sla', dimension: 'p95', severity: 'critical' },
    status: 'triggered',
    openedAt: Date.now(),
    episode: 1,
    occurrences: 1,
    acknowledged: null,
    resolved: null,
    snoozedUntil: null,
    level: 'level 1',
    uiUrl: `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(`incident/${fp}`)}`,
    messages: [], revision: 1,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function latency(samples: number[]): SendLatency {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / s.length;
  return { count: s.length, mean: round2(mean), p50: round2(percentile(s, 50)), p99: round2(percentile(s, 99)), max: round2(percentile(s, 100)) };
}

type SendFn = (view: IncidentView, channel: FanoutChannel) => Promise<unknown>;

interface Samples {
  all: number[];
  byChannel: Record<FanoutChannel, number[]>;
  failed: number;
  wallMs: number;
  cpuUs: number;
  stalled: boolean;
  firstError?: string;
}

const emptySamples = (): Samples => ({ all: [], byChannel: { hook: [], pd: [], slack: [] }, failed: 0, wallMs: 0, cpuUs: 0, stalled: false });

/**
 * Sends views × channels with at most `concurrency` in flight, channel by channel within each view
 * (as a workflow fans one step out). Resolves when all settled, or when nothing settled for stallMs.
 */
async function round(views: IncidentView[], send: SendFn, concurrency: number, stallMs: number, into?: Samples): Promise<boolean> {
  const n = views.length * FANOUT_CHANNELS.length;
  // Each round starts from a collected heap, so one mode does not pay for the other's garbage.
  collectGarbage();
  let lastSettled = performance.now();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const work = runLimited(n, concurrency, async (i) => {
    const view = views[Math.floor(i / FANOUT_CHANNELS.length)]!;
    const channel = FANOUT_CHANNELS[i % FANOUT_CHANNELS.length]!;
    const start = performance.now();
    try {
      await send(view, channel);
      const ms = performance.now() - start;
      into?.all.push(ms);
      into?.byChannel[channel].push(ms);
    } catch (err) {
      if (into) {
        into.failed++;
        into.firstError ??= err instanceof Error ? err.message : String(err);
      }
    } finally {
      lastSettled = performance.now();
    }
  });
  let done = false;
  void work.then(() => (done = true));
  while (!done) {
    await new Promise((r) => setTimeout(r, 20));
    if (!done && performance.now() - lastSettled > stallMs) {
      if (into) into.stalled = true;
      return false;
    }
  }
  if (into) {
    into.wallMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    into.cpuUs += cpu.user + cpu.system;
  }
  return true;
}

function modeResult(s: Samples, requested: number): DirectModeResult {
  const sent = s.all.length;
  const r: DirectModeResult = {
    requested,
    sent,
    failed: s.failed,
    wallMs: Math.round(s.wallMs),
    sendsPerSec: s.wallMs > 0 ? Math.round((sent / s.wallMs) * 1000 * 10) / 10 : 0,
    latencyMs: latency(s.all),
    perChannel: { hook: latency(s.byChannel.hook), pd: latency(s.byChannel.pd), slack: latency(s.byChannel.slack) },
    processCpuMsPerSend: sent > 0 ? Math.round((s.cpuUs / 1000 / sent) * 1000) / 1000 : Number.NaN,
    stalled: s.stalled,
  };
  if (s.firstError !== undefined) r.firstError = s.firstError;
  return r;
}

const ratio = (b: number, a: number) => (a > 0 && Number.isFinite(a) && Number.isFinite(b) ? Math.round((b / a) * 100) / 100 : Number.NaN);

/**
 * (a) notifier.send() and (b) deliverNotification() over the same channels and Postgres, in ROUNDS
 * rounds of views/ROUNDS views each, alternating which mode goes first (a b, b a, a b, b a) so load
 * drift and warm-up hit both alike, each round after a full GC. A warm-up of WARMUP_VIEWS views per mode runs first, unmeasured.
 */
export async function runDirect(deps: DirectDeps): Promise<DirectResult> {
  const tag = `bench-direct-${Date.now().toString(36)}`;
  const activities = createNotifyActivities({ pool: deps.pool, config: deps.config, channels: deps.notifiers, logger: deps.logger });
  const direct: SendFn = (view, channel) => deps.notifiers[channel]!.send({ view, step: STEP, target: channel });
  const ledger: SendFn = (view, channel) => activities.deliverNotification({ view, step: STEP, target: channel });
  // Separate views per mode: (b) must not find (a)'s ledger rows (there are none) nor its own from another round.
  const viewsFor = (mode: string, from: number, count: number) => Array.from({ length: count }, (_, i) => benchView(`${tag}-${mode}`, from + i));

  const samples = { direct: emptySamples(), ledger: emptySamples() };
  deps.log(`[direct] warm-up: ${WARMUP_VIEWS} views × ${FANOUT_CHANNELS.length} channels per mode`);
  let warmOk = await round(viewsFor('warm-a', 0, WARMUP_VIEWS), direct, deps.concurrency, deps.stallMs);
  if (!warmOk) samples.direct.stalled = true;
  else if (!(warmOk = await round(viewsFor('warm-b', 0, WARMUP_VIEWS), ledger, deps.concurrency, deps.stallMs))) samples.ledger.stalled = true;
  if (!warmOk) deps.log('[direct] warm-up STALLED');

  const per = Math.ceil(deps.views / ROUNDS);
  for (let r = 0; r < ROUNDS && warmOk; r++) {
    const from = r * per;
    const count = Math.min(per, deps.views - from);
    if (count <= 0) break;
    const order: Array<'direct' | 'ledger'> = r % 2 === 0 ? ['direct', 'ledger'] : ['ledger', 'direct'];
    let ok = true;
    for (const mode of order) {
      const t = performance.now();
      ok = await round(viewsFor(mode, from, count), mode === 'direct' ? direct : ledger, deps.concurrency, deps.stallMs, samples[mode]);
      deps.log(`[direct] round ${r + 1}/${ROUNDS} ${mode}: ${count * FANOUT_CHANNELS.length} sends ${ok ? `in ${Math.round(performance.now() - t)} ms` : 'STALLED'}`);
      if (!ok) break;
    }
    if (!ok) break;
  }
  const requested = deps.views * FANOUT_CHANNELS.length;
  const a = modeResult(samples.direct, requested);
  const b = modeResult(samples.ledger, requested);
  return {
    views: deps.views,
    concurrency: deps.concurrency,
    rounds: ROUNDS,
    warmupViews: WARMUP_VIEWS,
    direct: a,
    ledger: b,
    ratio: { mean: ratio(b.latencyMs.mean, a.latencyMs.mean), p99: ratio(b.latencyMs.p99, a.latencyMs.p99), sendsPerSec: ratio(b.sendsPerSec, a.sendsPerSec) },
  };
}
