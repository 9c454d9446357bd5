/**
 * What kind of anomaly a flagged point is, from which of its features deviate, and what to do about it;
 * plus the report shape (`anomalies_detected`, `anomaly_details`, `confidence_scores`,
 * `recommended_actions`) that `vigil detect --report` writes. Pure.
 */

/** The three kinds of trouble a RAG service has, each with its own first steps. */
export type AnomalyClass = 'performance' | 'security' | 'data_quality';

/** A flagged point's class, the features that deviate (largest first) and the actions for that class. */
export interface Classification {
  class: AnomalyClass;
  features: string[];
  recommended_actions: string[];
}

/**
 * Feature-name patterns, matched against the lower-cased name, first match wins. The order settles
 * overlaps: `auth_errors` is security before `errors` is performance; `retrieval_latency_ms` is
 * performance before `retrieval…` could be read as data quality; per-client request counts are security
 * (one actor's access volume) before plain `requests` is throughput.
 *
 * | # | pattern (examples)                                                        | class        | why |
 * |---|---------------------------------------------------------------------------|--------------|-----|
 * | 1 | auth, login, credential, denied, forbidden, unauthorized, 401/403          | security     | failed authentication / authorization |
 * | 2 | latency, duration, response_time, p50/p95/p99, *_ms, *_seconds, slow       | performance  | time to answer |
 * | 3 | quality, relevance, faithful, grounded, hallucination, ndcg, mrr, hit_rate, judge, eval_score | data_quality | answer / retrieval quality |
 * | 4 | empty, no_results, zero_hits, answer/response length or chars or tokens, tokens_out, drift, null, missing, stale, freshness, duplicate, citation | data_quality | empty retrievals, answer-length drift, broken ingestion |
 * | 5 | access, actor, user_agent, client_id, api_key, ip, distinct/unique/new users|clients, per_user/client/key/ip, scrape, download, export | security | access-volume spikes, unusual actors |
 * | 6 | error, fail, 5xx, timeout, throughput, qps, rps, requests, cpu, mem, queue, saturation, retry, throttle, concurrency, backlog, lag | performance | errors and capacity |
 *
 * A name that matches nothing (e.g. a bare `value`) counts as performance: an unnamed service metric is
 * most often a latency or volume series, and the performance checks are the cheapest first look.
 */
export const FEATURE_CLASSES: ReadonlyArray<{ pattern: RegExp; class: AnomalyClass }> = [
  { pattern: /auth|login|signin|sign_in|credential|password|denied|forbidden|unauthori[sz]ed|(^|[^0-9])40[13]([^0-9]|$)/, class: 'security' },
  { pattern: /latency|duration|response_?time|(^|[^a-z])p(50|75|9\d|99\d?)([^0-9]|$)|_ms$|_seconds$|elapsed|slow/, class: 'performance' },
  { pattern: /quality|relevan|faithful|grounded|hallucinat|ndcg|mrr|hit_?rate|judge|eval_?score/, class: 'data_quality' },
  {
    pattern: /empty|no_?results|zero_?(hits|results)|(answer|response|output)_?(len|length|chars|tokens)|tokens_?out|length|drift|null|missing|stale|freshness|duplicate|citation/,
    class: 'data_quality',
  },
  {
    pattern: /access|actor|user_?agent|client_?id|api_?key|(^|[^a-z])ips?([^a-z]|$)|(distinct|unique|new)_?(users|clients|actors|keys|ips)|per_?(user|client|key|ip)|scrap|download|export/,
    class: 'security',
  },
  { pattern: /error|fail|5\d\d|5xx|timeout|throughput|qps|rps|request|cpu|mem|queue|saturation|retr(y|ies)|throttl|concurrency|backlog|lag/, class: 'performance' },
];

/** Concrete first steps per class, most likely cause first. */
export const RECOMMENDED_ACTIONS: Readonly<Record<AnomalyClass, readonly string[]>> = {
  performance: [
    'Check recent deploys and config changes of the retriever and reranker; roll back if the change lines up with the anomaly',
    'Check the embedding service and vector store for saturation (CPU, queue depth, throttling) and scale them out',
    'Inspect the slowest queries and error logs in the anomaly window for a common tenant, query shape or upstream timeout',
  ],
  security: [
    'Review the auth and access logs for the actors (API keys, client ids, IPs) behind the deviating features',
    'Rate-limit or block the offending client until the traffic is explained',
    'Rotate any API key or token that shows up from unusual actors and check it for exposure',
  ],
  data_quality: [
    'Check the last index rebuild and ingestion job (document counts, failed batches, embedding model version)',
    'Compare answer-length and empty-retrieval rates before and after the anomaly to find where the drift started',
    'Run the evaluation set against the current index and compare with the last good run',
  ],
};

/** A feature "deviates" at 3 robust standard deviations: rare (≈0.3 % under normality), yet small enough to see shifts. */
export const DEVIATION_Z = 3;

// Security outranks data quality outranks performance when their evidence ties: the costlier miss wins.
const TIE_ORDER: readonly AnomalyClass[] = ['security', 'data_quality', 'performance'];

/** The class a feature name points to (table above); `performance` when nothing matches. */
export function classOfFeature(name: string): AnomalyClass {
  const n = name.toLowerCase();
  return FEATURE_CLASSES.find((r) => r.pattern.test(n))?.class ?? 'performance';
}

/**
 * Classifies a flagged point: features with |deviation| ≥ DEVIATION_Z vote for their class with their
 * |deviation|, and the class with the most evidence wins. When nothing reaches the bar (the detector saw a
 * joint or temporal pattern rather than one wild value), the single most deviating feature decides.
 */
export function classifyAnomaly(featureNames: string[], deviations: number[]): Classification {
  const ranked = featureNames
    .map((name, i) => ({ name, dev: Math.abs(deviations[i] ?? 0) }))
    .map((f) => ({ ...f, dev: Number.isNaN(f.dev) ? 0 : f.dev }))
    .sort((a, b) => b.dev - a.dev);
  let deviating = ranked.filter((f) => f.dev >= DEVIATION_Z);
  if (deviating.length === 0) deviating = ranked.slice(0, 1);
  const evidence = new Map<AnomalyClass, number>();
  for (const f of deviating) {
    const c = classOfFeature(f.name);
    // Infinity (a constant feature that moved) still counts, but must not make every sum equal.
    evidence.set(c, (evidence.get(c) ?? 0) + Math.min(f.dev, 1e6));
  }
  let best: AnomalyClass = 'performance';
  let bestEvidence = -1;
  for (const c of TIE_ORDER) {
    const e = evidence.get(c) ?? -1;
    if (e > bestEvidence) [best, bestEvidence] = [c, e];
  }
  return { class: best, features: deviating.map((f) => f.name), recommended_actions: [...RECOMMENDED_ACTIONS[best]] };
}

/** One flagged stretch of a series, as the scorer saw it. */
export interface AnomalyEvent {
  /** Epoch ms of the first flagged point. */
  t: number;
  /** Peak combined score over the stretch, in [0, 1]. */
  score: number;
  /** Per-feature deviation at the most deviating point (e.g. robust z), in `featureNames` order. */
  deviations: number[];
  /** The detectors that agreed (for an ensemble, the members over their vote threshold). */
  detectors: string[];
}

/** One entry of `anomaly_details`. */
export interface AnomalyDetail {
  /** ISO-8601 time of the first flagged point. */
  t: string;
  score: number;
  class: AnomalyClass;
  features: string[];
  detectors: string[];
}

/** The report shape: counts, details in time order, one confidence per detail, and the union of actions. */
export interface AnomalyReport {
  anomalies_detected: number;
  anomaly_details: AnomalyDetail[];
  confidence_scores: number[];
  recommended_actions: string[];
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Builds the report. `confidence_scores[i]` is detail i's score (the combined score is already a
 * calibrated agreement level in [0, 1]); `recommended_actions` lists the actions of every class seen,
 * the most frequent class first, without repeats.
 */
export function anomalyReport(featureNames: string[], events: AnomalyEvent[]): AnomalyReport {
  const details = events.map((e): AnomalyDetail => {
    const c = classifyAnomaly(featureNames, e.deviations);
    return { t: new Date(e.t).toISOString(), score: round(e.score), class: c.class, features: c.features, detectors: [...e.detectors] };
  });
  const counts = new Map<AnomalyClass, number>();
  for (const d of details) counts.set(d.class, (counts.get(d.class) ?? 0) + 1);
  const classes = [...counts.entries()].sort((a, b) => b[1] - a[1] || TIE_ORDER.indexOf(a[0]) - TIE_ORDER.indexOf(b[0])).map(([c]) => c);
  return {
    anomalies_detected: details.length,
    anomaly_details: details,
    confidence_scores: details.map((d) => d.score),
    recommended_actions: [...new Set(classes.flatMap((c) => RECOMMENDED_ACTIONS[c]))],
  };
}

/** Consistency constant: MAD × 1.4826 estimates σ for normal data. */
const MAD_TO_SIGMA = 1.4826;

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Per-feature robust z of a point against the last `window` points (median / MAD), for classification
 * evidence. Online like the detectors: `deviations` reads without learning, `learn` appends.
 */
export function createFeatureDeviation(window = 120) {
  const history: number[][] = [];
  let next = 0;
  return {
    deviations(values: number[]): number[] {
      return values.map((x, f) => {
        const past = history.map((h) => h[f]).filter((v): v is number => v !== undefined);
        // Fewer than ten points say nothing robust about spread.
        if (past.length < 10) return 0;
        const sorted = past.sort((a, b) => a - b);
        const m = median(sorted);
        const mad = median(sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b));
        const meanAbs = sorted.reduce((s, v) => s + Math.abs(v - m), 0) / sorted.length;
        // MAD is 0 when most of the window is one value; the mean absolute deviation still sees the rest.
        const scale = mad > 0 ? MAD_TO_SIGMA * mad : meanAbs > 0 ? 1.2533 * meanAbs : 0;
        if (scale === 0) return x === m ? 0 : Math.sign(x - m) * 1e6;
        return (x - m) / scale;
      });
    },
    learn(values: number[]): void {
      if (history.length < window) history.push([...values]);
      else history[next] = [...values];
      next = (next + 1) % window;
    },
  };
}
