// Detector speed: points per second of CPU for each `--detector` (and each specialist of the default
// ensemble) on the seeded realistic corpus of the evaluation (2 streams per family, ~39,000 points),
// one process, one core; then `vigil detect` itself end to end (CSV in, CSV out) on those streams
// written as one file, CPU time of the command minus that of the same command on a 10-row file (Node
// and tsx start-up). The goal: the default ensemble ≥ 5,000
// points/s. The LSTM is measured on a short stream (it costs milliseconds a point) when TensorFlow.js
// loads. Writes bench/results/detectors.{json,md}. Alone: `BENCH_ONLY=detect npm run bench` or
// `npx tsx bench/detectors.ts`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLstm } from '../cli/detectors';
import type { StreamingDetector } from '../domain/anomaly/detector';
import { createForestMember, defaultEnsemble } from '../domain/anomaly/ensemble';
import { createGaussianWindowDetector } from '../domain/anomaly/gaussian-window';
import { deriveSeed } from '../domain/anomaly/rng';
import { TimeOrder } from '../domain/anomaly/time-order';
import { calibrated, createStatEnsemble, createVigilEnsemble, SPECIALISTS } from '../domain/anomaly/vigil-ensemble';
import { generateCorpus, type CorpusStream } from '../eval/anomaly/corpus';
import { machineInfo, RESULTS_DIR } from './results-file';

const GOAL = 5000;
const ROOT = path.resolve(__dirname, '..');

/** One row of the results. */
export interface DetectorSpeed {
  detector: string;
  points: number;
  cpuMs: number;
  pointsPerSecond: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(name: string, make: () => StreamingDetector, streams: readonly CorpusStream[]): DetectorSpeed {
  let points = 0;
  const started = cpuMs();
  for (const s of streams) {
    const d = make();
    const order = new TimeOrder();
    for (let i = 0; i < s.values.length; i++) d.update({ t: order.next(s.t[i]!).t, values: [s.values[i]!] });
    points += s.values.length;
  }
  const ms = cpuMs() - started;
  return { detector: name, points, cpuMs: Math.round(ms), pointsPerSecond: Math.round((1000 * points) / ms) };
}

/** CPU ms (user + system, children included) of `bin/vigil detect` on a file. */
function detectCpuMs(input: string, output: string): number {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time "${path.join(ROOT, 'bin', 'vigil')}" detect --input "${input}" --output "${output}" >/dev/null`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vigil detect failed: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return 1000 * (user! + sys!);
}

function endToEnd(streams: readonly CorpusStream[], rows: number): DetectorSpeed {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-detect-'));
  try {
    const lines: string[] = ['timestamp,value'];
    for (const s of streams) for (let i = 0; i < s.values.length && lines.length <= rows; i++) lines.push(`${new Date(s.t[i]!).toISOString()},${s.values[i]}`);
    const big = path.join(dir, 'big.csv');
    const small = path.join(dir, 'small.csv');
    fs.writeFileSync(big, `${lines.join('\n')}\n`);
    fs.writeFileSync(small, `${lines.slice(0, 11).join('\n')}\n`);
    const base = detectCpuMs(small, path.join(dir, 'small.out'));
    const ms = detectCpuMs(big, path.join(dir, 'big.out')) - base;
    return { detector: 'vigil detect (ensemble, CSV in and out)', points: lines.length - 1, cpuMs: Math.round(ms), pointsPerSecond: Math.round((1000 * (lines.length - 1)) / ms) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the detector speed bench and writes its results; returns whether the default ensemble met the goal. */
export async function runDetectorsBench(): Promise<boolean> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const streams = generateCorpus({ seed: 1, perFamily: 2 });
  const rows: DetectorSpeed[] = [
    measure('ensemble (default)', () => createVigilEnsemble(1), streams),
    measure('stat', () => createStatEnsemble(1), streams),
    measure('iforest', () => calibrated(createForestMember(1)), streams),
    measure('zscore (baseline)', () => createGaussianWindowDetector(), streams),
    measure('previous ensemble (stat + iforest vote, no LSTM)', () => defaultEnsemble(1), streams),
    ...Object.entries(SPECIALISTS).map(([name, make]) => measure(`  specialist: ${name}`, () => make(0), streams)),
  ];
  const lstm = await loadLstm();
  if ('error' in lstm) log(`bench detectors: LSTM skipped (${lstm.error})`);
  else rows.push(measure('lstm (short stream)', () => calibrated(lstm.create({ seed: deriveSeed(1, 2) })), [{ ...streams[0]!, t: streams[0]!.t.slice(0, 1500), values: streams[0]!.values.slice(0, 1500) }]));
  rows.push(endToEnd(streams, 60_000));
  for (const r of rows) log(`  ${r.detector.padEnd(50)} ${r.pointsPerSecond.toLocaleString('en').padStart(10)} points/s (${r.points} points, ${r.cpuMs} ms CPU)`);
  const ensemble = rows[0]!;
  const cli = rows.at(-1)!;
  const met = ensemble.pointsPerSecond >= GOAL && cli.pointsPerSecond >= GOAL;
  const md = [
    '# Detector speed',
    '',
    `Generated by \`BENCH_ONLY=detect npm run bench\` on ${os.cpus().length} CPUs (${machineInfo().cpuModel}), Node ${process.version}. Points per second of CPU time, one core; seeded realistic corpus (eval/anomaly/corpus.ts, ${streams.length} streams). Goal: the default ensemble ≥ ${GOAL.toLocaleString('en')} points/s, in the detector and in \`vigil detect\` end to end — ${met ? 'met' : 'NOT met'}.`,
    '',
    '| detector | points/s | points | CPU ms |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.detector.trim()} | ${r.pointsPerSecond.toLocaleString('en')} | ${r.points} | ${r.cpuMs} |`),
    '',
  ].join('\n');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'detectors.md'), md);
  fs.writeFileSync(path.join(RESULTS_DIR, 'detectors.json'), `${JSON.stringify({ benchmark: 'detectors', date: new Date().toISOString(), machine: machineInfo(), goal: GOAL, met, rows }, null, 2)}\n`);
  log(`bench detectors: wrote bench/results/detectors.md (${met ? 'goal met' : 'goal NOT met'})`);
  return met;
}

if (require.main === module) {
  runDetectorsBench().then(
    (met) => process.exit(met ? 0 : 1),
    (err: unknown) => {
      process.stderr.write(`bench detectors: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
