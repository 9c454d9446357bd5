// The reads behind the console's pages that the JSON API has no endpoint for (overviews, series,
// per-service incident figures). Every query is bounded by time or a LIMIT.
import { listDeploys } from '../db/deploys';
import type { Pool } from 'pg';
import { listReports } from '../db/compliance/reports';
import { auditHead } from '../db/audit/head';
import { openIncidentLabels } from '../db/silences';
import { readRollups } from '../db/analytics/rollups';
import { latestForecasts } from '../db/analytics/forecasts';
import { PERIOD_LENGTH_MS, type DashboardPeriod } from '../domain/analytics/period';
import { DAY_MS, HOUR_MS, slotOf } from '../domain/analytics/slots';
import type { VigilConfig } from '../domain/config';
import { quantile, type LatencySketch } from '../domain/latency-sketch';
import { incidentLabels, matchesAll, type Matcher } from '../domain/matchers';
import { onCallTimeline, whoIsOnCall } from '../domain/oncall';
import { slaFor } from '../domain/sla-config';
import { burnStateOf, burnView, windowLatency, withLatency, type BurnView, type WindowLatency } from './burn-view';
import { liveState, mergeByServiceStart, type AnomalyView, type ServiceLive, type WindowRow } from './live-state';

interface RawWindow {
  service: string;
  window_start: Date;
  count: string;
  errors: string;
  quality_avg: number | null;
  quality_count: string;
  cost_usd: number;
  sketch: LatencySketch;
}

const toRow = (r: RawWindow): WindowRow => ({
  service: r.service,
  start: r.window_start.getTime(),
  count: Number(r.count),
  errors: Number(r.errors),
  qualityAvg: r.quality_avg,
  qualityCount: Number(r.quality_count),
  costUsd: r.cost_usd,
  sketch: r.sketch,
});

const WINDOW_COLUMNS = 'service, window_start, count, errors, quality_avg, quality_count, cost_usd, sketch';

/**
 * Windows stored after `since` (received_at), for the live stream; at most `limit` rows. received_at
 * is its transaction's start, so a row can commit with a time just before `since`: the read reaches
 * `overlapMs` further back, and `seen` (keys of rows already sent) keeps those from being sent twice.
 */
export async function windowsReceivedAfter(pool: Pool, since: Date, seen: Map<string, number>, overlapMs = 5000, limit = 5000): Promise<{ rows: WindowRow[]; last: Date }> {
  const r = await pool.query<RawWindow & { received_at: Date; source: string }>(
    `SELECT ${WINDOW_COLUMNS}, source, received_at FROM metric_windows WHERE received_at > $1 ORDER BY received_at LIMIT $2`,
    [new Date(since.getTime() - overlapMs), limit],
  );
  const horizon = since.getTime() - overlapMs;
  for (const [k, at] of seen) if (at <= horizon) seen.delete(k);
  const fresh = r.rows.filter((x) => {
    const k = `${x.service}\u0000${x.window_start.getTime()}\u0000${x.source}\u0000${x.received_at.getTime()}`;
    if (seen.has(k)) return false;
    seen.set(k, x.received_at.getTime());
    return true;
  });
  const last = r.rows.reduce((m, x) => (x.received_at > m ? x.received_at : m), since);
  return { rows: fresh.map(toRow), last };
}

/** An incident whose projection moved on: what an open incident page needs to know to re-read it. */
export interface IncidentChange {
  id: string;
  fingerprint: string;
  workflowId: string;
  status: string;
  lastSeq: number;
}

/**
 * Incidents whose projection changed after `since` (updated_at), for the live stream: the same overlap
 * and `seen` keys as windowsReceivedAfter, keyed by incident and sequence so each change goes out once.
 */
export async function incidentsChangedAfter(pool: Pool, since: Date, seen: Map<string, number>, overlapMs = 5000, limit = 500): Promise<{ changes: IncidentChange[]; last: Date }> {
  const r = await pool.query<{ incident_id: string; fingerprint: string; workflow_id: string; status: string; last_seq: number; updated_at: Date }>(
    'SELECT incident_id, fingerprint, workflow_id, status, last_seq, updated_at FROM incidents WHERE updated_at > $1 ORDER BY updated_at LIMIT $2',
    [new Date(since.getTime() - overlapMs), limit],
  );
  const horizon = since.getTime() - overlapMs;
  for (const [k, at] of seen) if (at <= horizon) seen.delete(k);
  const changes: IncidentChange[] = [];
  for (const x of r.rows) {
    const k = `${x.incident_id}\u0000${x.last_seq}`;
    if (seen.has(k)) continue;
    seen.set(k, x.updated_at.getTime());
    changes.push({ id: x.incident_id, fingerprint: x.fingerprint, workflowId: x.workflow_id, status: x.status, lastSeq: x.last_seq });
  }
  const last = r.rows.reduce((m, x) => (x.updated_at > m ? x.updated_at : m), since);
  return { changes, last };
}

/** Open (unresolved) incidents per service. */
export async function openIncidentCounts(pool: Pool): Promise<Map<string, number>> {
  const r = await pool.query<{ service: string; n: string }>(`SELECT service, count(*) AS n FROM incidents WHERE status <> 'resolved' GROUP BY service`);
  return new Map(r.rows.map((x) => [x.service, Number(x.n)]));
}

/** Error budget left per service, from its newest hourly rollup of the last two days. */
export async function budgetsRemaining(pool: Pool): Promise<Map<string, number | null>> {
  const r = await pool.query<{ service: string; budget_remaining: number | null }>(
    `SELECT DISTINCT ON (service) service, budget_remaining FROM rollups_hourly WHERE slot_start > now() - interval '2 days' ORDER BY service, slot_start DESC`,
  );
  return new Map(r.rows.map((x) => [x.service, x.budget_remaining]));
}

/** What judge() shows beside each window besides the window itself. */
export interface LiveExtras {
  open: Map<string, number>;
  budgets: Map<string, number | null>;
  anomalies: Map<string, AnomalyView>;
  burns: Map<string, BurnView>;
}

/** Judges merged windows against each service's SLA, with the figures the monitor page shows beside them. */
export function judge(config: VigilConfig, windows: readonly WindowRow[], x: LiveExtras): ServiceLive[] {
  return windows.map((w) =>
    liveState(w, slaFor(config.services, config.slaDefaults, w.service), {
      budgetRemaining: x.budgets.get(w.service) ?? null,
      openIncidents: x.open.get(w.service) ?? 0,
      anomaly: x.anomalies.get(w.service) ?? null,
      burn: x.burns.get(w.service) ?? null,
    }),
  );
}

/** Reads everything judge() needs beside the windows; `services` limits the per-service reads (null: all). */
export async function liveExtras(pool: Pool, config: VigilConfig, services: string[] | null, burnCache?: CoarseBurnCache): Promise<LiveExtras> {
  const [open, budgets, anomalies, burns] = await Promise.all([openIncidentCounts(pool), budgetsRemaining(pool), latestAnomalies(pool, services), burnViews(pool, config, services, burnCache)]);
  return { open, budgets, anomalies, burns };
}

const asVerdict = (t: string, v: Record<string, unknown>): AnomalyView => ({
  at: Number(t),
  scored: v.scored === true,
  anomalous: v.anomalous === true,
  score: typeof v.score === 'number' ? v.score : null,
  threshold: typeof v.threshold === 'number' ? v.threshold : null,
  surprise: typeof v.surprise === 'number' ? v.surprise : null,
  detector: typeof v.detector === 'string' ? v.detector : null,
  anomalyClass: typeof v.anomalyClass === 'string' ? v.anomalyClass : null,
});

/**
 * The newest verdict the anomaly monitor stored per service (db/anomaly-detector-state.ts): one index
 * probe per service on the (service, seq) key.
 */
export async function latestAnomalies(pool: Pool, services: string[] | null): Promise<Map<string, AnomalyView>> {
  const r = await pool.query<{ service: string; t: string; verdict: Record<string, unknown> }>(
    `SELECT s.service, w.t, w.verdict FROM anomaly_detector_state s
     CROSS JOIN LATERAL (SELECT t, verdict FROM anomaly_detector_windows x WHERE x.service = s.service ORDER BY seq DESC LIMIT 1) w
     WHERE $1::text[] IS NULL OR s.service = ANY($1)`,
    [services],
  );
  return new Map(r.rows.map((x) => [x.service, asVerdict(x.t, x.verdict)]));
}

type Bucket = { start: number; count: number; errors: number };

/**
 * Per service, kept between live-stream ticks (see burnViews): its 30-minute availability buckets over 3 days,
 * and each stored window's latency counts keyed by window id (start and source), with the newest received_at
 * read, so a tick decodes only the sketches of windows stored since.
 */
export type CoarseBurnCache = Map<string, { until: number; coarse: Bucket[]; latency?: LatencyWindows }>;

interface LatencyWindows {
  thresholdMs: number;
  received: number;
  windows: Map<string, WindowLatency>;
}

const FINE_SPAN_MS = 6 * HOUR_MS + 2 * 60_000;
const COARSE_SPAN_MS = 3 * DAY_MS + HOUR_MS;
/** Re-read windows received this long before the newest one seen: a transaction's received_at is its start, not its commit. */
const RECEIVED_OVERLAP_MS = 5000;

/** How long a service's 3-day buckets are reused: a minute of a 3-day window moves its rate by < 0.03 %. */
export const COARSE_BURN_TTL_MS = 60_000;

/**
 * Each service's windows over the last 3 days 1 hour as latency counts (windowLatency against its SLA's p95
 * threshold, as the monitor counts slow requests). With `cache`, only windows received since the service's last
 * read are fetched and decoded; windows already held (by id) are skipped and ones past 3 days dropped.
 */
async function latencyWindows(pool: Pool, config: VigilConfig, services: string[] | null, cache?: CoarseBurnCache): Promise<Map<string, LatencyWindows>> {
  const held = new Map<string, LatencyWindows>();
  for (const s of services ?? []) {
    const c = cache?.get(s)?.latency;
    if (c && c.thresholdMs === slaFor(config.services, config.slaDefaults, s).p95LatencyMs) held.set(s, c);
  }
  const after = [...held].map(([s, c]) => [s, new Date(c.received - RECEIVED_OVERLAP_MS)] as const);
  const r = await pool.query<{ service: string; window_start: Date; source: string; received_at: Date; sketch: LatencySketch; now_ms: string }>(
    `WITH last AS (
       SELECT service, max(window_start + duration_ms * interval '1 millisecond') AS now_at FROM metric_windows
       WHERE window_start > now() - interval '1 day' AND ($1::text[] IS NULL OR service = ANY($1)) GROUP BY service)
     SELECT m.service, m.window_start, m.source, m.received_at, m.sketch, (extract(epoch FROM l.now_at) * 1000)::bigint AS now_ms
     FROM last l JOIN metric_windows m ON m.service = l.service AND m.window_start < l.now_at AND m.window_start > l.now_at - interval '3 days 1 hour'
     LEFT JOIN unnest($2::text[], $3::timestamptz[]) AS c(service, after) ON c.service = m.service
     WHERE c.after IS NULL OR m.received_at > c.after`,
    [services, after.map((a) => a[0]), after.map((a) => a[1])],
  );
  const out = new Map<string, LatencyWindows>();
  const nows = new Map<string, number>();
  for (const x of r.rows) {
    const thresholdMs = slaFor(config.services, config.slaDefaults, x.service).p95LatencyMs;
    let e = out.get(x.service);
    if (!e) {
      const h = held.get(x.service);
      e = h ?? { thresholdMs, received: 0, windows: new Map() }; // a held entry is updated in place: it lives in the cache
      out.set(x.service, e);
    }
    nows.set(x.service, Number(x.now_ms));
    e.received = Math.max(e.received, x.received_at.getTime());
    const id = `${x.window_start.getTime()}\u0000${x.source}`;
    if (!e.windows.has(id)) e.windows.set(id, windowLatency(x.window_start.getTime(), x.sketch, thresholdMs));
  }
  for (const [s, h] of held) if (!out.has(s)) out.set(s, h);
  for (const [s, e] of out) {
    const horizon = (nows.get(s) ?? 0) - COARSE_SPAN_MS;
    for (const [id, w] of e.windows) if (w.start <= horizon) e.windows.delete(id);
  }
  return out;
}

/**
 * Availability and latency burn per rule for each service, taken at the end of its newest window (as the monitor
 * takes it): availability from 1-minute buckets over 6 h and 30-minute buckets over 3 d summed in Postgres,
 * latency from each window's sketch (latencyWindows), added to the same buckets. With
 * `cache` (the live stream), the 3-day buckets of a service are read at most once a minute, so a tick
 * reads 6 h per updated service, not 3 days.
 */
export async function burnViews(pool: Pool, config: VigilConfig, services: string[] | null, cache?: CoarseBurnCache, now = Date.now()): Promise<Map<string, BurnView>> {
  const stale = cache && services ? services.filter((s) => (cache.get(s)?.until ?? 0) <= now) : null;
  const [r, latency] = await Promise.all([pool.query<{ service: string; res: 'fine' | 'coarse'; start: string; count: string; errors: string; now_ms: string }>(
    `WITH last AS (
       SELECT service, max(window_start + duration_ms * interval '1 millisecond') AS now_at FROM metric_windows
       WHERE window_start > now() - interval '1 day' AND ($1::text[] IS NULL OR service = ANY($1)) GROUP BY service)
     SELECT m.service, b.res, b.start, sum(m.count) AS count, sum(m.errors) AS errors, (extract(epoch FROM l.now_at) * 1000)::bigint AS now_ms
     FROM last l JOIN metric_windows m ON m.service = l.service AND m.window_start < l.now_at
       AND m.window_start > l.now_at - CASE WHEN $2::text[] IS NULL OR l.service = ANY($2) THEN interval '3 days 1 hour' ELSE interval '6 hours 2 minutes' END
     CROSS JOIN LATERAL (VALUES ('fine', 60), ('coarse', 1800)) AS b0(res, secs)
     CROSS JOIN LATERAL (SELECT b0.res, (floor(extract(epoch FROM m.window_start) / b0.secs) * b0.secs * 1000)::bigint AS start) b
     WHERE (b.res = 'fine' AND m.window_start > l.now_at - interval '6 hours 2 minutes') OR (b.res = 'coarse' AND ($2::text[] IS NULL OR l.service = ANY($2)))
     GROUP BY m.service, b.res, b.start, l.now_at`,
    [services, stale],
  ), latencyWindows(pool, config, services, cache)]);
  const by = new Map<string, { now: number; fine: Bucket[]; coarse: Bucket[] }>();
  for (const x of r.rows) {
    const e = by.get(x.service) ?? { now: Number(x.now_ms), fine: [], coarse: [] };
    e[x.res].push({ start: Number(x.start), count: Number(x.count), errors: Number(x.errors) });
    by.set(x.service, e);
  }
  const out = new Map<string, BurnView>();
  for (const [service, e] of by) {
    const lat = latency.get(service);
    if (cache) {
      if (stale?.includes(service)) cache.set(service, { until: now + COARSE_BURN_TTL_MS, coarse: e.coarse, latency: lat });
      else {
        const c = cache.get(service);
        e.coarse = c?.coarse ?? e.coarse;
        if (c) c.latency = lat;
      }
    }
    const state = withLatency(burnStateOf(e.fine, e.coarse), lat?.windows.values() ?? [], e.now, FINE_SPAN_MS, COARSE_SPAN_MS);
    out.set(service, burnView(state, e.now, slaFor(config.services, config.slaDefaults, service).slo));
  }
  return out;
}

/** Every service that reported in the last day, in the state of its newest window. */
export async function servicesOverview(pool: Pool, config: VigilConfig): Promise<ServiceLive[]> {
  const [w, extras] = await Promise.all([
    pool.query<RawWindow>(
      `SELECT ${WINDOW_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')} FROM metric_windows m
       JOIN (SELECT service, max(window_start) AS ws FROM metric_windows WHERE window_start > now() - interval '1 day' GROUP BY service) l
         ON l.service = m.service AND l.ws = m.window_start`,
    ),
    liveExtras(pool, config, null),
  ]);
  return judge(config, mergeByServiceStart(w.rows.map(toRow)), extras).sort((a, b) => (a.service < b.service ? -1 : 1));
}

export const SERIES_RANGES = { '6h': 6 * HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type SeriesRange = keyof typeof SERIES_RANGES;

/** Columns of a service chart: times in seconds (uPlot's x), then one array per metric. */
export interface ServiceSeries {
  service: string;
  range: SeriesRange;
  source: 'windows' | 'hourly' | 'daily';
  t: number[];
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
  availability: Array<number | null>;
  quality: Array<number | null>;
  cost: number[];
  requests: number[];
  thresholds: ServiceLive['thresholds'];
  markers: Array<{ t: number; kind: string; severity: string; title: string; id: string }>;
  /** Windows the anomaly monitor judged anomalous in the range (t in seconds), from the verdicts it still keeps. */
  anomalies: Array<{ t: number; surprise: number | null; detector: string | null; anomalyClass: string | null }>;
  /** Deploys CI pipelines recorded in the range (t in seconds), from POST /v1/deploys or `vigil deploys record`. */
  deploys: Array<{ t: number; version: string; description: string | null }>;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** A service's latency percentiles, availability, quality, cost and traffic over a range, with incident markers. */
export async function serviceSeries(pool: Pool, config: VigilConfig, service: string, range: SeriesRange, now = Date.now()): Promise<ServiceSeries> {
  const from = now - SERIES_RANGES[range];
  const sla = slaFor(config.services, config.slaDefaults, service);
  const s: ServiceSeries = {
    service, range, source: 'windows', t: [], p50: [], p95: [], p99: [], availability: [], quality: [], cost: [], requests: [],
    thresholds: { p95LatencyMs: sla.p95LatencyMs, availability: sla.availability, minQuality: sla.minQuality }, markers: [], anomalies: [], deploys: [],
  };
  if (SERIES_RANGES[range] <= 24 * HOUR_MS) {
    const r = await pool.query<RawWindow>(`SELECT ${WINDOW_COLUMNS} FROM metric_windows WHERE service = $1 AND window_start >= $2 ORDER BY window_start`, [service, new Date(from)]);
    for (const w of mergeByServiceStart(r.rows.map(toRow))) {
      s.t.push(w.start / 1000);
      s.p50.push(w.count ? finite(quantile(w.sketch, 0.5)) : null);
      s.p95.push(w.count ? finite(quantile(w.sketch, 0.95)) : null);
      s.p99.push(w.count ? finite(quantile(w.sketch, 0.99)) : null);
      s.availability.push(w.count ? 1 - w.errors / w.count : null);
      s.quality.push(w.qualityAvg);
      s.cost.push(w.costUsd);
      s.requests.push(w.count);
    }
  } else {
    const period = range === '7d' ? 'hour' : 'day';
    s.source = period === 'hour' ? 'hourly' : 'daily';
    for (const x of await readRollups(pool, period, slotOf(from, period), now, service)) {
      s.t.push(x.slotStart / 1000);
      s.p50.push(x.p50Ms);
      s.p95.push(x.p95Ms);
      s.p99.push(x.p99Ms);
      s.availability.push(x.availability);
      s.quality.push(x.qualityAvg);
      s.cost.push(x.costUsd);
      s.requests.push(x.requests);
    }
  }
  const inc = await pool.query<{ opened_at: Date; kind: string; severity: string; title: string; fingerprint: string }>(
    'SELECT opened_at, kind, severity, title, fingerprint FROM incidents WHERE service = $1 AND opened_at >= $2 ORDER BY opened_at LIMIT 500',
    [service, new Date(from)],
  );
  s.markers = inc.rows.map((i) => ({ t: i.opened_at.getTime() / 1000, kind: i.kind, severity: i.severity, title: i.title, id: i.fingerprint }));
  const an = await pool.query<{ t: string; verdict: Record<string, unknown> }>(
    `SELECT t, verdict FROM anomaly_detector_windows WHERE service = $1 AND t >= $2 AND verdict @> '{"anomalous": true}' ORDER BY seq LIMIT 500`,
    [service, from],
  );
  s.anomalies = an.rows.map((x) => {
    const v = asVerdict(x.t, x.verdict);
    return { t: v.at / 1000, surprise: v.surprise, detector: v.detector, anomalyClass: v.anomalyClass };
  });
  const dep = await listDeploys(pool, { service, since: new Date(from), limit: 500 });
  s.deploys = dep.map((d) => ({ t: Date.parse(d.at) / 1000, version: d.version, description: d.description }));
  return s;
}

/** Mean time to acknowledge and to resolve per service over the last `days`, from the incident projection. */
export async function incidentStats(pool: Pool, days = 30): Promise<Array<{ service: string; incidents: number; open: number; mttaSeconds: number | null; mttrSeconds: number | null }>> {
  const r = await pool.query<{ service: string; incidents: string; open: string; mtta: number | null; mttr: number | null }>(
    `SELECT service, count(*) AS incidents, count(*) FILTER (WHERE status <> 'resolved') AS open,
            avg(extract(epoch FROM acknowledged_at - opened_at)) AS mtta, avg(extract(epoch FROM resolved_at - opened_at)) AS mttr
     FROM incidents WHERE opened_at > now() - make_interval(days => $1) GROUP BY service ORDER BY service`,
    [days],
  );
  return r.rows.map((x) => ({ service: x.service, incidents: Number(x.incidents), open: Number(x.open), mttaSeconds: x.mtta === null ? null : Number(x.mtta), mttrSeconds: x.mttr === null ? null : Number(x.mttr) }));
}

/**
 * The estate's trend series over a dashboard period (the same ratios of sums as combineRollups, summed
 * in Postgres: 90 days × 200 services need no sketches), and the latest traffic forecast per service with its bands.
 */
export async function execSeries(pool: Pool, period: DashboardPeriod, now = Date.now()) {
  const step = period === '24h' ? 'hour' : 'day';
  const to = slotOf(now, 'hour');
  const r = await pool.query<{ slot_start: Date; satisfaction: number | null; cost_per_success: number | null; sla: number | null; requests: string }>(
    `SELECT slot_start, sum(satisfaction_sum) / NULLIF(sum(satisfaction_count), 0) AS satisfaction,
            sum(cost_usd) / NULLIF(sum(requests - errors), 0) AS cost_per_success,
            sum(slices_good)::float8 / NULLIF(sum(slices_judged), 0) AS sla, sum(requests) AS requests
     FROM ${step === 'hour' ? 'rollups_hourly' : 'rollups_daily'} WHERE slot_start >= $1 AND slot_start < $2 GROUP BY slot_start ORDER BY slot_start`,
    [new Date(slotOf(to - PERIOD_LENGTH_MS[period], step)), new Date(to)],
  );
  const forecasts = (await latestForecasts(pool, 'requests')).map((f) => ({
    service: f.service,
    method: f.forecast.method,
    t: f.forecast.point.map((_, i) => (f.madeFor + (i + 1) * f.stepMs) / 1000),
    point: f.forecast.point,
    bands: f.forecast.intervals.map((b) => ({ level: b.level, lower: b.lower, upper: b.upper })),
    note: f.forecast.note ?? null,
  }));
  const num = (x: number | null) => (x === null ? null : Number(x));
  return {
    period,
    t: r.rows.map((x) => x.slot_start.getTime() / 1000),
    satisfaction: r.rows.map((x) => num(x.satisfaction)),
    costPerSuccess: r.rows.map((x) => num(x.cost_per_success)),
    slaCompliance: r.rows.map((x) => num(x.sla)),
    requests: r.rows.map((x) => Number(x.requests)),
    forecasts,
  };
}

/** Who is on call now and next, per configured schedule. */
export function onCallNow(config: VigilConfig, now = Date.now()) {
  return Object.entries(config.schedules).map(([name, schedule]) => {
    const current = whoIsOnCall(schedule, now);
    const upcoming = onCallTimeline(schedule, now, now + 60 * DAY_MS, 3).find((s) => s.start > now && s.user !== current?.user) ?? null;
    return {
      schedule: name,
      now: current ? { user: current.user, layer: current.layer, until: current.until === null ? null : new Date(current.until).toISOString() } : null,
      next: upcoming ? { user: upcoming.user, layer: upcoming.layer, from: new Date(upcoming.start).toISOString() } : null,
    };
  });
}

/** The open incidents a silence with these matchers would mute. */
export async function silencePreview(pool: Pool, matchers: readonly Matcher[]) {
  const open = await openIncidentLabels(pool);
  const muted = open.filter((o) => matchesAll([...matchers], incidentLabels({ ...o })));
  return { wouldMute: muted.length, of: open.length, incidents: muted.slice(0, 50).map((o) => ({ workflowId: o.workflowId, service: o.service, kind: o.kind, severity: o.severity })) };
}

/** The audit chain's head, the last verification (from the newest compliance report) and open compliance incidents. */
export async function auditStatus(pool: Pool) {
  const [head, reports, open] = await Promise.all([
    auditHead(pool),
    listReports(pool, 1),
    pool.query<{ fingerprint: string; service: string; kind: string; severity: string; title: string; opened_at: Date }>(
      `SELECT fingerprint, service, kind, severity, title, opened_at FROM incidents WHERE status <> 'resolved' AND kind LIKE 'compliance%' ORDER BY opened_at DESC LIMIT 100`,
    ),
  ]);
  const last = reports[0];
  return {
    head: head ?? null,
    lastVerify: last ? { reportId: last.id, generatedAt: last.generatedAt, ok: last.chain.ok, checked: last.chain.checked, firstBad: last.chain.firstBad ?? null } : null,
    openComplianceIncidents: open.rows.map((o) => ({ id: o.fingerprint, service: o.service, kind: o.kind, severity: o.severity, title: o.title, openedAt: o.opened_at.toISOString() })),
  };
}
