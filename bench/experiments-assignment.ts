// The assignment half of BENCH_ONLY=experiments: SDK assign() calls per second on one core with
// exposure logging on, the current code against the previous one (bench/experiments-assign-v1.ts)
// alternated in one process, since on a shared machine absolute rates drift between runs and the
// ratio does not. Traffic repeats units as real traffic does: 100,000 distinct users drawn by a
// Zipf law (s = 0.8, so the head is not so hot that everything sits in cache), each call with its
// own string as a request brings it (so no string hash is cached from an earlier call); a second
// stream where every call is a new unit (1M ids, the remembered set churning) is the worst case.
// Rates are calls per CPU second of this process (per core, whatever else the machine runs) and,
// for reference, per wall-clock second.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pointFor, variantPicker } from '../domain/experiments/assignment';
import { createExperiments, type Assignment, type AssignmentView } from '../sdk';
import { assignV1 } from './experiments-assign-v1';
import { pickerV1, pointForV1 } from './experiments-point-v1';
import { fastPointFor } from '../sdk/wasm/assignment-point';
import { zipfIds } from '../test/support/zipf';
import { median } from '../domain/stats/median';

const CALLS = 4_000_000;
const STREAM = 1 << 22;
const USERS = 100_000;
const ZIPF_S = 0.8;
const PAIRS = 4;
export const ASSIGN_GOAL_PER_S = 10_000_000;

const NAME = 'reranker-v2';
const VIEW: AssignmentView = {
  name: NAME,
  salt: 's1',
  unit: 'user',
  primary: 'quality',
  variants: [
    { name: 'control', weight: 0.5 },
    { name: 'b', weight: 0.5 },
  ],
  status: 'running',
  stoppedVariants: [],
};

const zipfStream = (users: number, s: number): string[] => zipfIds(STREAM, users, s, 17);

// Results are kept (in a ring) as a service keeps them until record(): the object must really be
// built, not optimised away because nothing reads it.
const kept: unknown[] = new Array<unknown>(1024).fill(null);

const walls: number[] = [];

/** Calls per CPU second of this process; the wall-clock rate goes to `walls`. */
function rate(units: readonly string[], fn: (unit: string) => unknown, calls = CALLS): number {
  const mask = units.length - 1;
  for (let i = 0; i < Math.min(calls, 200_000); i++) kept[i & 1023] = fn(units[i & mask]!);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) kept[i & 1023] = fn(units[i & mask]!);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  walls.push(calls / wall);
  return calls / ((cpu.user + cpu.system) / 1e6);
}

export interface AssignmentRates {
  /** Zipf traffic, ABBA pairs: current and previous assign(), medians and each pair's ratio. */
  sdk: number;
  sdkV1: number;
  pairs: number[];
  sdkRuns: number[];
  sdkV1Runs: number[];
  /** The Zipf runs' wall-clock rates, M calls/s. */
  sdkWalls: number[];
  sdkV1Walls: number[];
  /** Every call a new unit. */
  churn: number;
  churnV1: number;
  /** A more skewed Zipf law (s = 1), one run each: how much the tail users' table misses cost. */
  skewed: number;
  skewedV1: number;
  /** An experiment by request on the Zipf stream: no first-exposure table. */
  request: number;
  requestV1: number;
  /** Exposures logged over the Zipf phase, and the distinct users in it: all three must agree. */
  exposures: number;
  exposuresV1: number;
  distinctUsers: number;
  /** The hash and slice alone, and the point function before issue 17, on distinct ids. */
  picker: number;
  pointV1: number;
  /** The point alone on the distinct ids: in JavaScript (pointFor) and as the SDK hashes (WebAssembly). */
  pointJs: number;
  pointWasm: number;
  /** The result object: built per call (what assign() does) or one object overwritten. */
  allocate: number;
  reuse: number;
  sha256: number;
  loadAverage: number[];
}

export async function assignmentRates(): Promise<AssignmentRates> {
  const loadBefore = os.loadavg();
  const zipf = zipfStream(USERS, ZIPF_S);
  const distinct = Array.from({ length: 1 << 20 }, (_, i) => `user-${i}`);
  let exposures = 0;
  let exposuresV1 = 0;
  const xp = createExperiments({ source: async () => VIEW, experiments: [NAME], onExposure: () => void exposures++ });
  await xp.refresh();
  xp.stop();
  const old = assignV1([VIEW], 100_000, () => void exposuresV1++);
  const sdkRuns: number[] = [];
  const sdkV1Runs: number[] = [];
  const sdkWalls: number[] = [];
  const sdkV1Walls: number[] = [];
  for (let r = 0; r < PAIRS; r++) {
    for (const which of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
      if (which === 'new') sdkRuns.push(rate(zipf, (u) => xp.assign(NAME, u)));
      else sdkV1Runs.push(rate(zipf, (u) => old(NAME, u)));
      (which === 'new' ? sdkWalls : sdkV1Walls).push(walls.at(-1)!);
    }
  }
  // Counted over the whole Zipf phase: the same units were offered to both, so the counts must match.
  const zipfExposures = { exposures, exposuresV1 };
  const zipfDistinct = new Set(zipf).size;
  const churn = rate(distinct, (u) => xp.assign(NAME, u));
  // Fewer calls for the old code: over millions of evictions its Set slows to ~0.01 M/s (values().next()
  // walks the deleted entries V8 keeps until a rehash), so this row shows it at its best.
  const churnV1 = rate(distinct, (u) => old(NAME, u), 50_000);
  // Fresh tables for the skewed stream, so that its first exposures are logged as on the first stream.
  const skewedStream = zipfStream(USERS, 1);
  const xpSkewed = createExperiments({ source: async () => VIEW, experiments: [NAME], onExposure: () => void exposures++ });
  await xpSkewed.refresh();
  xpSkewed.stop();
  const oldSkewed = assignV1([VIEW], 100_000, () => void exposuresV1++);
  const skewed = rate(skewedStream, (u) => xpSkewed.assign(NAME, u));
  const skewedV1 = rate(skewedStream, (u) => oldSkewed(NAME, u));
  // Request units: every call an exposure and nothing remembered, so the difference is the table's cost.
  const perRequestView: AssignmentView = { ...VIEW, unit: 'request' };
  const perRequest = createExperiments({ source: async () => perRequestView, experiments: [NAME], onExposure: () => void exposures++ });
  await perRequest.refresh();
  perRequest.stop();
  const perRequestV1 = assignV1([perRequestView], 100_000, () => void exposuresV1++);
  const request = rate(zipf, (u) => perRequest.assign(NAME, u));
  const requestV1 = rate(zipf, (u) => perRequestV1(NAME, u));

  const pick = variantPicker(VIEW.variants, NAME, 's1');
  const picker = rate(distinct, pick);
  const pickOld = pickerV1(VIEW.variants, pointForV1(NAME, 's1'));
  const pointV1 = rate(distinct, pickOld);
  const js = pointFor(NAME, 's1');
  const wasm = fastPointFor(NAME, 's1');
  const pointJs = rate(distinct, js);
  const pointWasm = rate(distinct, wasm);
  const reused: Assignment = { name: NAME, variant: '', live: true, unit: '' };
  const allocate = rate(zipf, (u) => ({ name: NAME, variant: pick(u).name, live: true, unit: u }));
  const reuse = rate(zipf, (u) => {
    reused.variant = pick(u).name;
    reused.unit = u;
    return reused;
  });
  const sha256 = rate(distinct.slice(0, 1 << 19), (u) => createHash('sha256').update(`${NAME}:s1:${u}`).digest().readUInt32BE(0));
  return {
    sdk: median(sdkRuns),
    sdkV1: median(sdkV1Runs),
    pairs: sdkRuns.map((n, k) => n / sdkV1Runs[k]!),
    sdkRuns,
    sdkV1Runs,
    sdkWalls,
    sdkV1Walls,
    churn,
    churnV1,
    skewed,
    skewedV1,
    request,
    requestV1,
    ...zipfExposures,
    distinctUsers: zipfDistinct,
    picker,
    pointV1,
    pointJs,
    pointWasm,
    allocate,
    reuse,
    sha256,
    loadAverage: loadBefore,
  };
}

/** The results file's assignment section. */
export function assignmentSection(r: AssignmentRates): string[] {
  const f = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
  const runs = (xs: number[]) => xs.map((x) => (x / 1e6).toFixed(2)).join(', ');
  return [
    '## Assignment calls per second, one core',
    '',
    `Load average when the assignment phase started: ${r.loadAverage.map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min) on ${os.cpus().length} shared cores.`,
    '',
    `SDK assign() with exposure logging on, ${(CALLS / 1e6).toFixed(0)}M calls per run, a two-variant experiment by user, each result kept as a service keeps it until record(); calls per CPU second of the bench process:`,
    '',
    '| traffic | assign() now (sdk/experiments.ts) | before (bench/experiments-assign-v1.ts) | now / before |',
    '|---|---|---|---|',
    `| ${USERS.toLocaleString('en')} users, Zipf s = ${ZIPF_S}; median of ${PAIRS} ABBA pairs | ${f(r.sdk)} | ${f(r.sdkV1)} | ${(r.sdk / r.sdkV1).toFixed(1)}× |`,
    `| every call a new unit (1M ids; the remembered 100,000 churn) | ${f(r.churn)} | ${f(r.churnV1)} | ${(r.churn / r.churnV1).toFixed(1)}× |`,
    `| ${USERS.toLocaleString('en')} users, Zipf s = 1 (a hotter head); one run each | ${f(r.skewed)} | ${f(r.skewedV1)} | ${(r.skewed / r.skewedV1).toFixed(1)}× |`,
    `| the s = ${ZIPF_S} stream, experiment by request (every call an exposure, nothing remembered) | ${f(r.request)} | ${f(r.requestV1)} | ${(r.request / r.requestV1).toFixed(1)}× |`,
    '',
    `Runs, M calls per CPU second: now ${runs(r.sdkRuns)}; before ${runs(r.sdkV1Runs)}; pair ratios ${r.pairs.map((x) => x.toFixed(1)).join(', ')}×. The same runs per wall-clock second: now ${runs(r.sdkWalls)}; before ${runs(r.sdkV1Walls)}.`,
    `Exposures logged over the Zipf phase (${((PAIRS * (CALLS + 200_000)) / 1e6).toFixed(1)}M calls each): now ${r.exposures.toLocaleString('en')}, before ${r.exposuresV1.toLocaleString('en')}; distinct users in the stream ${r.distinctUsers.toLocaleString('en')}.`,
    '',
    `Goal ≥ ${ASSIGN_GOAL_PER_S / 1e6} M/s/core for SDK assign() on Zipf traffic: ${r.sdk >= ASSIGN_GOAL_PER_S ? 'met' : 'NOT met'} in this run.`,
    '',
    'Parts, for comparison:',
    '',
    '| what | calls/s |',
    '|---|---|',
    `| the point in JavaScript (pointFor: 64-bit FNV emulated in 32-bit halves), 1M distinct ids | ${f(r.pointJs)} |`,
    `| the point as assign() hashes it (sdk/wasm/assignment-point.ts: WebAssembly i64), same ids | ${f(r.pointWasm)} |`,
    `| variantPicker alone (pointFor in JavaScript, slice thresholds), same ids | ${f(r.picker)} |`,
    `| the picker before issue 17 (bench/experiments-point-v1.ts, same points), same ids | ${f(r.pointV1)} |`,
    `| picker + a new {name, variant, live, unit} per call, Zipf | ${f(r.allocate)} |`,
    `| picker + one result object overwritten per call, Zipf | ${f(r.reuse)} |`,
    `| SHA-256 per call (the hash FNV replaced) | ${f(r.sha256)} |`,
    '',
    `The result object costs ${((1 / r.allocate - 1 / r.reuse) * 1e9).toFixed(1)} ns per call here; assign() allocates it anyway, because a reused one would be overwritten by the next request while the first still holds it.`,
    '',
  ];
}
