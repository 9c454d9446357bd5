// Isolation Forest: ours (domain/anomaly/isolation-forest.ts) next to scikit-learn's
// IsolationForest and the npm `isolation-forest` package, fitted and scored in one run on the same
// seeded 100,000 × 8 data with ~1 % planted outliers; fit ms, score ms and ROC-AUC for each, and
// the ratios to ours. Writes bench/results/isolation-forest.{json,md}.
// Alone: `npx tsx bench/isolation-forest.ts` (BENCH_IFOREST_ROWS, BENCH_IFOREST_REPS override).
// scikit-learn is a benchmark-only dependency: `pip install scikit-learn`; without it the row is skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { IsolationForest as NpmIsolationForest, type DataObject } from 'isolation-forest';
import { rocAuc } from '../domain/anomaly/evaluation';
import { fitIsolationForest, scoreIsolationForest } from '../domain/anomaly/isolation-forest';
import { createRng } from '../domain/anomaly/rng';
import { RESULTS_DIR, machineInfo, type MachineInfo } from './results-file';
import { positiveInt } from './env';
import { median } from '../domain/stats/median';

const D = 8;
const TREES = 100;
const SAMPLE_SIZE = 256;
const DATA_SEED = 20_260_301;
const MODEL_SEED = 42;
const PY_SCRIPT = path.join(__dirname, 'isolation-forest.py');
const INSTALL_HINT = 'pip install scikit-learn';

/** One implementation's measurements (times are medians over the repetitions, in ms). */
export interface ImplementationResult {
  name: string;
  /** Rows it was fitted and scored on (fewer than the data set when extrapolated). */
  rows: number;
  fitMs: number;
  scoreMs: number;
  totalMs: number;
  /** ROC-AUC of its scores against the planted labels (on `rows` rows). */
  auc: number;
  /** Times scaled linearly from `rows` to the full data set. */
  extrapolated: boolean;
  skipped?: string;
  notes: string[];
}

/** The results file. */
export interface IsolationForestBenchResults {
  benchmark: 'isolation-forest';
  date: string;
  machine: MachineInfo;
  settings: { rows: number; d: number; outliers: number; trees: number; sampleSize: number; repetitions: number; dataSeed: number; modelSeed: number; data: string };
  ours: ImplementationResult;
  sklearn: ImplementationResult;
  npm: ImplementationResult;
  /** Their total time over ours (> 1: ours is faster); AUC difference ours − theirs. */
  ratios: { sklearnTimeOverOurs: number; npmTimeOverOurs: number; aucOursMinusSklearn: number; aucOursMinusNpm: number };
  goal: { withinTwiceSklearn: boolean; aucWithin001OfSklearn: boolean; tenTimesFasterThanNpm: boolean; met: boolean };
  notes: string[];
}

/**
 * Three correlated Gaussian clusters (a shared factor plus per-feature noise, like latency, cost and
 * errors moving together), and ~1 % outliers: half far off in every feature (global), half an
 * ordinary point with two features pushed 3–5 σ out (local, the harder kind).
 */
export function benchData(rows: number, seed: number): { x: Float64Array; labels: Uint8Array; outliers: number } {
  const rng = createRng(seed);
  const centers = [0, 1, 2].map(() => Array.from({ length: D }, () => rng.normal() * 4));
  const x = new Float64Array(rows * D);
  const labels = new Uint8Array(rows);
  let outliers = 0;
  for (let i = 0; i < rows; i++) {
    const c = centers[rng.int(3)]!;
    const factor = rng.normal();
    for (let j = 0; j < D; j++) x[i * D + j] = c[j]! + 0.8 * factor + 0.6 * rng.normal();
    if (rng.next() < 0.01) {
      labels[i] = 1;
      outliers++;
      if (rng.next() < 0.5) {
        for (let j = 0; j < D; j++) x[i * D + j] = (rng.next() * 2 - 1) * 12;
      } else {
        for (let k = 0; k < 2; k++) x[i * D + rng.int(D)]! += (rng.next() < 0.5 ? -1 : 1) * (3 + 2 * rng.next()); // marginal σ of a feature is 1
      }
    }
  }
  return { x, labels, outliers };
}

function runOurs(x: Float64Array, labels: Uint8Array, reps: number): ImplementationResult {
  const rows = labels.length;
  // Warm-up on a slice, so the timed runs measure JIT-compiled code (the Python side warms up too).
  const warm = x.subarray(0, Math.min(rows, 10_000) * D);
  scoreIsolationForest(fitIsolationForest(warm, D, { seed: MODEL_SEED }), warm, D);
  const fit: number[] = [];
  const score: number[] = [];
  let scores: Float64Array = new Float64Array(0);
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const model = fitIsolationForest(x, D, { trees: TREES, sampleSize: SAMPLE_SIZE, seed: MODEL_SEED });
    const t1 = performance.now();
    scores = scoreIsolationForest(model, x, D);
    fit.push(t1 - t0);
    score.push(performance.now() - t1);
  }
  const fitMs = median(fit);
  const scoreMs = median(score);
  // How much AUC moves with the seed alone: the yardstick for "equal AUC" with another implementation.
  const seedAucs = [1, 2, 3, 4, 5].map((seed) => rocAuc(scoreIsolationForest(fitIsolationForest(x, D, { trees: TREES, sampleSize: SAMPLE_SIZE, seed }), x, D), labels));
  return {
    name: 'vigil (TypeScript)',
    rows,
    fitMs,
    scoreMs,
    totalMs: fitMs + scoreMs,
    auc: rocAuc(scores, labels),
    extrapolated: false,
    notes: [
      'fit includes placing the contamination threshold (scores an evenly strided 16,384-row subset)',
      `AUC with model seeds 1–5 instead: ${fmt(Math.min(...seedAucs), 4)} – ${fmt(Math.max(...seedAucs), 4)}`,
    ],
  };
}

function runSklearn(x: Float64Array, labels: Uint8Array, reps: number, log: (l: string) => void): ImplementationResult {
  const rows = labels.length;
  const empty: ImplementationResult = { name: 'scikit-learn', rows, fitMs: NaN, scoreMs: NaN, totalMs: NaN, auc: NaN, extrapolated: false, notes: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-iforest-'));
  try {
    const dataFile = path.join(dir, 'x.f64');
    const labelsFile = path.join(dir, 'labels.u8');
    const scoresFile = path.join(dir, 'scores.f64');
    fs.writeFileSync(dataFile, new Uint8Array(x.buffer, x.byteOffset, x.byteLength)); // little-endian on every platform Node runs here
    fs.writeFileSync(labelsFile, labels);
    // OpenBLAS overrides that this workplace may set slow numpy down; unset both for this command only.
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const run = spawnSync('python3', [PY_SCRIPT, dataFile, labelsFile, String(rows), String(D), String(MODEL_SEED), String(reps), scoresFile], {
      encoding: 'utf8',
      env,
      timeout: 20 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (run.error) return { ...empty, skipped: `python3 could not be run (${run.error.message}); install Python 3 and then: ${INSTALL_HINT}` };
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.status === 3) {
      log(`bench iforest: scikit-learn is not installed; install it with: ${INSTALL_HINT}`);
      return { ...empty, skipped: `scikit-learn not installed: ${INSTALL_HINT}` };
    }
    if (run.status !== 0) return { ...empty, skipped: `python3 exited ${run.status}: ${run.stderr.trim().split('\n').slice(-3).join(' ')}` };
    const r = JSON.parse(last) as { fitMs: number; scoreMs: number; cpuMs: number; auc: number; sklearn: string; numpy: string; python: string; threads: unknown };
    const scores = new Float64Array(new Uint8Array(fs.readFileSync(scoresFile)).buffer);
    const recomputed = rocAuc(scores, labels);
    return {
      ...empty,
      fitMs: r.fitMs,
      scoreMs: r.scoreMs,
      totalMs: r.fitMs + r.scoreMs,
      auc: r.auc,
      notes: [
        `scikit-learn ${r.sklearn}, numpy ${r.numpy}, Python ${r.python}; IsolationForest(n_estimators=${TREES}, max_samples=${SAMPLE_SIZE}, random_state=${MODEL_SEED}), n_jobs=None (one core), contamination='auto' (no threshold pass in fit)`,
        `AUC from sklearn.metrics.roc_auc_score; recomputed here from its scores: ${recomputed.toFixed(6)}`,
        `CPU time ${fmt(r.cpuMs, 0)} ms for ${fmt(r.fitMs + r.scoreMs, 0)} ms wall (fit + score); thread pools: ${JSON.stringify(r.threads)}`,
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function npmRun(x: Float64Array, rows: number): { fitMs: number; scoreMs: number; scores: number[] } {
  // Converted to its input format (objects keyed by feature) outside the timing.
  const objects: DataObject[] = [];
  for (let i = 0; i < rows; i++) {
    const o: DataObject = {};
    for (let j = 0; j < D; j++) o[`f${j}`] = x[i * D + j]!;
    objects.push(o);
  }
  const forest = new NpmIsolationForest(TREES, SAMPLE_SIZE);
  const t0 = performance.now();
  forest.fit(objects);
  const t1 = performance.now();
  const scores = forest.predict(objects);
  return { fitMs: t1 - t0, scoreMs: performance.now() - t1, scores };
}

function runNpm(x: Float64Array, labels: Uint8Array, subsetRows: number, fullLimitMs: number, log: (l: string) => void): ImplementationResult {
  const rows = labels.length;
  const notes = [
    'isolation-forest@0.0.9 (npm): unseeded (Math.random), so its AUC varies from run to run',
    'in 0.0.9 fit() draws a subsample but grows every tree on the full data set (depth still ⌈log₂ 256⌉): slower, and not the paper\'s ψ = 256 forest, which is why its AUC differs from the other two',
  ];
  const sub = Math.min(subsetRows, rows);
  log(`bench iforest: npm isolation-forest on ${sub.toLocaleString('en-US')} rows first, to estimate the full run`);
  const probe = npmRun(x, sub);
  const estimateMs = ((probe.fitMs + probe.scoreMs) * rows) / sub;
  if (sub === rows || estimateMs > fullLimitMs) {
    const k = rows / sub;
    if (sub < rows) notes.push(`full run estimated at ${(estimateMs / 60_000).toFixed(1)} min (> ${(fullLimitMs / 60_000).toFixed(0)} min): measured on the first ${sub.toLocaleString('en-US')} rows and extrapolated linearly ×${k}; AUC is on those rows`);
    return { name: 'npm isolation-forest', rows: sub, fitMs: probe.fitMs * k, scoreMs: probe.scoreMs * k, totalMs: (probe.fitMs + probe.scoreMs) * k, auc: rocAuc(probe.scores, labels.subarray(0, sub)), extrapolated: sub < rows, notes };
  }
  log(`bench iforest: npm isolation-forest on all ${rows.toLocaleString('en-US')} rows (estimated ${(estimateMs / 1000).toFixed(0)} s)`);
  const full = npmRun(x, rows);
  notes.push(`a ${sub.toLocaleString('en-US')}-row probe run first (doubles as its warm-up); one timed full run`);
  return { name: 'npm isolation-forest', rows, fitMs: full.fitMs, scoreMs: full.scoreMs, totalMs: full.fitMs + full.scoreMs, auc: rocAuc(full.scores, labels), extrapolated: false, notes };
}

const round = (x: number, digits: number): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : NaN);
const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');

type Row = [string, string, string, string, string, string, string];
const HEADER: Row = ['implementation', 'rows', 'fit (ms)', 'score (ms)', 'total (ms)', 'ROC-AUC', 'total / ours'];

function rows(r: IsolationForestBenchResults): Row[] {
  return [r.ours, r.sklearn, r.npm].map((x): Row => {
    if (x.skipped) return [x.name, 'skipped', '', '', '', '', x.skipped];
    const star = x.extrapolated ? '*' : '';
    return [x.name, x.rows.toLocaleString('en-US'), fmt(x.fitMs) + star, fmt(x.scoreMs) + star, fmt(x.totalMs) + star, fmt(x.auc, 4), fmt(x.totalMs / r.ours.totalMs, 2)];
  });
}

function textTable(all: Row[]): string {
  const table = [HEADER, ...all];
  const widths = HEADER.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: Row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...all.map(line)].join('\n');
}

function markdown(r: IsolationForestBenchResults): string {
  const m = r.machine;
  const s = r.settings;
  const g = r.goal;
  return [
    `# Isolation Forest benchmark: fit + score ${s.rows.toLocaleString('en-US')} × ${s.d}, ${s.trees} trees, ψ = ${s.sampleSize}`,
    '',
    `${r.date} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGiB} GiB · ${m.platform} · ${s.data}`,
    '',
    `| ${HEADER.join(' | ')} |`,
    '|---|--:|--:|--:|--:|--:|--:|',
    ...rows(r).map((row) => `| ${row.join(' | ')} |`),
    '',
    ...(r.npm.extrapolated ? ['\\* extrapolated linearly from a subset (see notes).', ''] : []),
    `Goals: within 2× of scikit-learn's time — ${g.withinTwiceSklearn ? 'met' : 'NOT met'}; AUC within ±0.01 of scikit-learn — ${g.aucWithin001OfSklearn ? 'met' : 'NOT met'}; ≥ 10× faster than the npm package — ${g.tenTimesFasterThanNpm ? 'met' : 'NOT met'}.`,
    '',
    ...r.notes.map((n) => `- ${n}`),
    ...[r.ours, r.sklearn, r.npm].flatMap((x) => x.notes.map((n) => `- ${x.name}: ${n}`)),
    '',
  ].join('\n');
}

/** Runs the three implementations, prints the table, writes bench/results/isolation-forest.{json,md}. */
export async function runIsolationForestBench(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<IsolationForestBenchResults> {
  const n = positiveInt('BENCH_IFOREST_ROWS', 100_000);
  const reps = positiveInt('BENCH_IFOREST_REPS', 3);
  const npmSubset = positiveInt('BENCH_IFOREST_NPM_ROWS', 10_000);
  const npmLimitMs = positiveInt('BENCH_IFOREST_NPM_LIMIT_MS', 5 * 60_000);
  log(`bench iforest: generating ${n.toLocaleString('en-US')} × ${D} rows`);
  const { x, labels, outliers } = benchData(n, DATA_SEED);
  log('bench iforest: ours');
  const ours = runOurs(x, labels, reps);
  log('bench iforest: scikit-learn (python3)');
  const sklearn = runSklearn(x, labels, reps, log);
  const npm = runNpm(x, labels, npmSubset, npmLimitMs, log);
  const ratio = (a: ImplementationResult) => (a.skipped ? NaN : round(a.totalMs / ours.totalMs, 2));
  const results: IsolationForestBenchResults = {
    benchmark: 'isolation-forest',
    date: new Date().toISOString(),
    machine: machineInfo(),
    settings: {
      rows: n,
      d: D,
      outliers,
      trees: TREES,
      sampleSize: SAMPLE_SIZE,
      repetitions: reps,
      dataSeed: DATA_SEED,
      modelSeed: MODEL_SEED,
      data: `3 correlated Gaussian clusters, ${outliers.toLocaleString('en-US')} planted outliers (${((100 * outliers) / n).toFixed(2)} %: half global, half two features 3–5 σ out)`,
    },
    ours,
    sklearn,
    npm,
    ratios: {
      sklearnTimeOverOurs: ratio(sklearn),
      npmTimeOverOurs: ratio(npm),
      aucOursMinusSklearn: round(ours.auc - sklearn.auc, 4),
      aucOursMinusNpm: round(ours.auc - npm.auc, 4),
    },
    goal: { withinTwiceSklearn: false, aucWithin001OfSklearn: false, tenTimesFasterThanNpm: false, met: false },
    notes: [
      `Times are medians of ${reps} fit + score runs on all rows after a warm-up fit on 10,000 rows (ours and scikit-learn); the npm package runs once (see its notes).`,
      'Every implementation scores the rows it was fitted on; AUC counts the planted outliers as positives.',
      'All single-threaded; the data reaches Python as a little-endian float64 file, read outside its timing.',
      `1-minute load average when the run started: ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores (other work shares this machine; ratios are steadier than absolute times).`,
    ],
  };
  const g = results.goal;
  g.withinTwiceSklearn = !sklearn.skipped && ours.totalMs <= 2 * sklearn.totalMs;
  g.aucWithin001OfSklearn = !sklearn.skipped && Math.abs(ours.auc - sklearn.auc) <= 0.01;
  g.tenTimesFasterThanNpm = npm.totalMs >= 10 * ours.totalMs;
  g.met = g.withinTwiceSklearn && g.aucWithin001OfSklearn && g.tenTimesFasterThanNpm;
  process.stdout.write(`\n${textTable(rows(results))}\n${npm.extrapolated ? '* extrapolated linearly from a subset\n' : ''}\n`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = path.join(RESULTS_DIR, 'isolation-forest.json');
  const md = path.join(RESULTS_DIR, 'isolation-forest.md');
  fs.writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(md, markdown(results));
  log(`bench iforest: wrote ${path.relative(process.cwd(), json)} and ${path.relative(process.cwd(), md)}`);
  if (!g.met) log('bench iforest: a goal was not met (see the table)');
  return results;
}

if (require.main === module) {
  runIsolationForestBench().then(
    (r) => process.exit(r.goal.met ? 0 : 1),
    (err: unknown) => {
      process.stderr.write(`bench iforest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
