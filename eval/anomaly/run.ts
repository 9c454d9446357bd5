// `npm run eval:anomaly [-- --quick] [-- --seed N]`: the realistic evaluation (realistic-report.ts):
// every detector on seeded operational-like streams, NAB-style scoring against the z-score baseline.
// `npm run eval:anomaly -- --lstm`: the LSTM alone and in the ensemble on a subset of those streams.
// `npm run eval:anomaly -- --synthetic`: the earlier evaluation below — every detector and the previous
// ensemble on seeded, labelled synthetic series (eval/anomaly/series.ts), scored event by event (eval/anomaly/metrics.ts).
// Two tiers, because the LSTM costs far more per point than the rest: "main" runs the statistical
// detectors, the isolation forest and the ensemble without LSTM on the full suite; "lstm" runs all of
// them plus the LSTM, and the ensemble with it, on a smaller suite. In each tier the ensemble must beat
// every single detector on F1 at an equal or lower false-positive rate, or the run exits 1.
// Detectors and ensemble run with their defaults: nothing is fitted to these series.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLstm } from '../../cli/detectors';
import { ALARM_SCORE } from '../../domain/anomaly/calibration';
import type { StreamingDetector } from '../../domain/anomaly/detector';
import { createEnsembleDetector, createForestMember, createStatDetector, DEFAULT_RULE, defaultEnsemble } from '../../domain/anomaly/ensemble';
import { createCusumDetector, createEwmaDetector, createRobustZDetector, createSeasonalDetector } from '../../domain/anomaly/statistical';
import { deriveSeed } from '../../domain/anomaly/rng';
import { addCounts, metricsOf, NO_COUNTS, scoreAlarms, TOLERANCE, type Counts, type Metrics } from './metrics';
import { ANOMALY_KINDS, generateSuite, type LabelledSeries } from './series';
import { kindTable, markdownTable, textTable, type ResultRow } from './table';
import { runLstmComparison, runRealistic, runRealisticPart } from './realistic-report';

const RESULTS_DIR = path.join(__dirname, '..', 'results');

interface TierSpec {
  name: 'main' | 'lstm';
  perKind: number;
  clean: number;
  length: number;
  withLstm: boolean;
}

function tiers(quick: boolean): TierSpec[] {
  return quick
    ? [
        { name: 'main', perKind: 4, clean: 4, length: 1500, withLstm: false },
        { name: 'lstm', perKind: 1, clean: 1, length: 1000, withLstm: true },
      ]
    : [
        { name: 'main', perKind: 16, clean: 16, length: 2000, withLstm: false },
        { name: 'lstm', perKind: 3, clean: 2, length: 1200, withLstm: true },
      ];
}

/**
 * A member that replays recorded scores: the ensemble is a function of its members' scores, so it need not
 * rerun them. A composite member is replayed as a composite (members and lastScores present), because the
 * ensemble leaves composites' calibration to them.
 */
function replay(source: StreamingDetector, scores: number[]): StreamingDetector {
  let i = 0;
  const base = { name: source.name, update: () => scores[i++]!, toJSON: () => ({ kind: 'replay', name: source.name, at: i }) };
  if (!('members' in source)) return base;
  const composite: StreamingDetector & { members: StreamingDetector[]; lastScores(): [] } = { ...base, members: [], lastScores: () => [] };
  return composite;
}

/** Every detector's score for every point of one series; the ensemble replays its members' scores. */
function scoreSeries(s: LabelledSeries, seed: number, lstm: ((o: { seed: number }) => StreamingDetector) | undefined, timing: Map<string, number>) {
  const members: StreamingDetector[] = [createStatDetector(1), createForestMember(seed)];
  if (lstm) members.push(lstm({ seed: deriveSeed(seed, 2) }));
  // The statistical specialists on their own, uncalibrated: the detectors as their module ships them.
  const specialists = [createRobustZDetector(), createEwmaDetector(), createCusumDetector(), createSeasonalDetector()];
  const scores = new Map<string, number[]>();
  for (const d of [...specialists, ...members]) {
    const started = performance.now();
    scores.set(
      d.name,
      s.values.map((v, i) => d.update({ t: s.t[i]!, values: [v] })),
    );
    timing.set(d.name, (timing.get(d.name) ?? 0) + performance.now() - started);
  }
  const ensemble = createEnsembleDetector({ members: members.map((m) => replay(m, scores.get(m.name)!)), ...DEFAULT_RULE });
  scores.set(
    'ensemble',
    s.values.map((v, i) => ensemble.update({ t: s.t[i]!, values: [v] })),
  );
  return { scores, ensembleThreshold: ensemble.threshold };
}

interface DetectorResult {
  detector: string;
  metrics: Metrics;
  recallByKind: Record<string, number>;
  msPerPoint?: number;
}

interface TierResult {
  tier: string;
  series: number;
  points: number;
  length: number;
  detectors: DetectorResult[];
  failures: string[];
}

async function runTier(spec: TierSpec, seed: number, log: (s: string) => void): Promise<TierResult | { tier: string; skipped: string }> {
  let lstm: ((o: { seed: number }) => StreamingDetector) | undefined;
  if (spec.withLstm) {
    const loaded = await loadLstm();
    if ('error' in loaded) return { tier: spec.name, skipped: `LSTM unavailable: ${loaded.error}` };
    lstm = loaded.create;
  }
  const suite = generateSuite({ seed: deriveSeed(seed, spec.name === 'main' ? 0 : 1), perKind: spec.perKind, clean: spec.clean, length: spec.length });
  const total = new Map<string, Counts>();
  const byKind = new Map<string, Counts>();
  const timing = new Map<string, number>();
  const started = performance.now();
  for (const [n, s] of suite.entries()) {
    const { scores, ensembleThreshold } = scoreSeries(s, seed, lstm, timing);
    for (const [name, sc] of scores) {
      const threshold = name === 'ensemble' ? ensembleThreshold : ALARM_SCORE;
      const counts = scoreAlarms(
        sc.map((x) => x >= threshold),
        s.windows,
      );
      total.set(name, addCounts(total.get(name) ?? NO_COUNTS, counts));
      byKind.set(`${name}\t${s.kind}`, addCounts(byKind.get(`${name}\t${s.kind}`) ?? NO_COUNTS, counts));
    }
    if (lstm) log(`  ${spec.name}: ${n + 1}/${suite.length} series (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  const points = suite.reduce((sum, s) => sum + s.values.length, 0);
  const detectors: DetectorResult[] = [...total.entries()].map(([detector, counts]) => ({
    detector,
    metrics: metricsOf(counts),
    recallByKind: Object.fromEntries(ANOMALY_KINDS.map((k) => [k, metricsOf(byKind.get(`${detector}\t${k}`) ?? NO_COUNTS).recall])),
    ...(timing.has(detector) ? { msPerPoint: timing.get(detector)! / points } : {}),
  }));
  const ensemble = detectors.find((d) => d.detector === 'ensemble')!;
  const failures = detectors
    .filter((d) => d !== ensemble)
    .flatMap((d) => {
      const why: string[] = [];
      if (!(ensemble.metrics.f1 > d.metrics.f1)) why.push(`F1 ${ensemble.metrics.f1.toFixed(3)} ≤ ${d.metrics.f1.toFixed(3)}`);
      if (!(ensemble.metrics.fpPer1000 <= d.metrics.fpPer1000)) why.push(`FP/1k ${ensemble.metrics.fpPer1000.toFixed(2)} > ${d.metrics.fpPer1000.toFixed(2)}`);
      return why.length ? [`ensemble vs ${d.detector}: ${why.join(', ')}`] : [];
    });
  return { tier: spec.name, series: suite.length, points, length: spec.length, detectors, failures };
}

/** The replayed ensemble must be the real one: checked on one series against defaultEnsemble itself. */
function checkReplay(seed: number): void {
  const [s] = generateSuite({ seed: deriveSeed(seed, 2), perKind: 1, clean: 0, length: 1200 });
  const real = defaultEnsemble(seed);
  const replayed = scoreSeries(s!, seed, undefined, new Map()).scores.get('ensemble')!;
  s!.values.forEach((v, i) => {
    const x = real.update({ t: s!.t[i]!, values: [v] });
    if (x !== replayed[i]) throw new Error(`replayed ensemble differs from defaultEnsemble at point ${i}: ${replayed[i]} vs ${x}`);
  });
}

/** Runs this script again with `args` (same Node flags, so under tsx too) and parses its stdout. */
function runChild(args: string[]): Promise<TierResult | { tier: string; skipped: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`eval child ${args.join(' ')} exited ${code}`));
      try {
        resolve(JSON.parse(out) as TierResult | { tier: string; skipped: string });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

/** What the rows and tiers mean, for the results file. */
const NOTES = [
  'Series (eval/anomaly/series.ts): level + AR(1) noise (half of them Student-t tails), half with a daily cycle at 5-60 minute resolution; one anomaly each after the first 40 %: spike (6-10 σ, 1-3 points), level shift (4-7 σ), drift (6-9 σ over 150-300 points), variance change (×3-5 for 100-200 points) or seasonality break (flattened or half-day phase shift); clean series add false-positive exposure only.',
  'robust-z, ewma, cusum, seasonal: the statistical detectors alone, with their module defaults and no calibration.',
  'stat: the four as one vote (the max of their scores after each is calibrated on its own recent history, Bonferroni-corrected for four looks) — `vigil detect --detector stat`.',
  'isolation-forest: the forest on each value and its change since the previous point — `--detector iforest` and the ensemble member.',
  'ensemble: members calibrated on their own recent history, alarm when two reach their alarm rule (defaultEnsemble); tier main without the LSTM (two of two), tier lstm with it (two of three).',
  'Tier lstm is smaller because the LSTM (TensorFlow.js, CPU) costs milliseconds per point; it runs in a second process beside tier main.',
];

const ORDER = ['robust-z', 'ewma', 'cusum', 'seasonal', 'stat', 'isolation-forest', 'lstm', 'ensemble'];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const seedArg = args.indexOf('--seed');
  const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : 1;
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${args[seedArg + 1]}`);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const part = args.indexOf('--part');
  if (part >= 0) {
    runRealisticPart(seed, quick, Number(args[part + 1]));
    return 0;
  }
  if (args.includes('--lstm')) return runLstmComparison(seed);
  if (!args.includes('--synthetic') && args.indexOf('--tier') < 0) return runRealistic(__filename, seed, quick);
  const only = args.indexOf('--tier');
  if (only >= 0) {
    // Child mode: one tier, its result as JSON on stdout.
    const spec = tiers(quick).find((t) => t.name === args[only + 1]);
    if (!spec) throw new Error(`--tier must be main or lstm, got ${args[only + 1]}`);
    process.stdout.write(JSON.stringify(await runTier(spec, seed, log)));
    return 0;
  }
  const started = performance.now();
  checkReplay(seed);
  const [main, lstm] = tiers(quick);
  for (const spec of [main!, lstm!]) log(`eval:anomaly: tier ${spec.name}: ${spec.perKind} series per anomaly kind + ${spec.clean} clean, ${spec.length} points each`);
  // The slow LSTM tier runs in a second process while this one does the main tier: two cores, half the wall time.
  const lstmResult = runChild(['--synthetic', '--tier', 'lstm', '--seed', String(seed), ...(quick ? ['--quick'] : [])]);
  const results: Array<TierResult | { tier: string; skipped: string }> = [await runTier(main!, seed, log)];
  log('eval:anomaly: main tier done, waiting for the lstm tier');
  results.push(await lstmResult);
  const seconds = (performance.now() - started) / 1000;
  let text = '';
  let md = `# Anomaly detection evaluation\n\nGenerated by \`npm run eval:anomaly -- --synthetic${quick ? ' --quick' : ''}\` (seed ${seed}, ${seconds.toFixed(0)} s on ${os.cpus().length} CPUs, Node ${process.version}).\n`;
  md += `Event-level scoring: a labelled window counts as detected when an alarm falls in it or within ${TOLERANCE} points after; `;
  md += 'alarms elsewhere are false positives, one per run of consecutive alarmed points; delay = first alarm − window start. ';
  md += `Single detectors alarm at their own alarm rule (score ≥ ${ALARM_SCORE.toFixed(4)}); the ensemble is the default two-vote.\n\n`;
  md += NOTES.map((n) => `- ${n}`).join('\n');
  md += '\n';
  for (const r of results) {
    if ('skipped' in r) {
      text += `\ntier ${r.tier}: skipped (${r.skipped})\n`;
      md += `\n## Tier ${r.tier}\n\nSkipped: ${r.skipped}\n`;
      continue;
    }
    const rows: ResultRow[] = ORDER.flatMap((name) => r.detectors.filter((d) => d.detector === name)).map((d) => ({ detector: d.detector, metrics: d.metrics }));
    const recall = rows.map((row) => ({
      detector: row.detector,
      recall: Object.fromEntries(Object.entries(r.detectors.find((d) => d.detector === row.detector)!.recallByKind).map(([k, v]) => [k, v.toFixed(2)])),
    }));
    const verdict = r.failures.length === 0 ? 'ensemble beats every single detector on F1 at an equal or lower FP rate' : `ENSEMBLE DOES NOT BEAT: ${r.failures.join('; ')}`;
    text += `\ntier ${r.tier}: ${r.series} series, ${r.points} points\n${textTable(rows)}\n\nrecall by anomaly kind\n${kindTable(ANOMALY_KINDS, recall, false)}\n${verdict}\n`;
    md += `\n## Tier ${r.tier}: ${r.series} series of ${r.length} points (${r.points} points)\n\n${markdownTable(rows)}\n\nRecall by anomaly kind:\n\n${kindTable(ANOMALY_KINDS, recall, true)}\n\n${verdict}.\n`;
  }
  process.stdout.write(text);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = { evaluation: 'anomaly', date: new Date().toISOString(), seed, quick, seconds: Math.round(seconds), alarmScore: ALARM_SCORE, tolerance: TOLERANCE, tiers: results };
  // A quick run must not overwrite the full results.
  const base = quick ? 'anomaly.quick' : 'anomaly';
  fs.writeFileSync(path.join(RESULTS_DIR, `${base}.json`), `${JSON.stringify({ ...json, notes: NOTES }, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, `${base}.md`), md);
  log(`\neval:anomaly: wrote eval/results/${base}.json and ${base}.md in ${seconds.toFixed(0)} s`);
  return results.some((r) => 'failures' in r && r.failures.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`eval:anomaly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
