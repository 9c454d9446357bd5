// BENCH_ONLY=experiments: the per-window cost of the experiment workflow's pure work (adding the
// variants' windows and one look: SRM, mSPRT per mean metric, p95 confidence sequences, guardrails)
// for 20 concurrent experiments × 5 metrics, and SDK assignment calls per second on one core.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRng } from '../domain/anomaly/rng';
import { experimentDefinitionSchema } from '../domain/experiments/definition';
import { evaluateLook, initialLookState, type LookState } from '../domain/experiments/evaluate';
import { planExperiment } from '../domain/experiments/plan';
import { DEFAULT_TRUTH, simulateUserWindow } from '../domain/experiments/simulate';
import { VariantAccumulator } from '../domain/experiments/variant-accumulator';
import { addTotals, emptyTotals, totalsOf, type VariantTotals, type VariantWindow } from '../domain/experiments/variant-window';
import { ASSIGN_GOAL_PER_S, assignmentRates, assignmentSection } from './experiments-assignment';
import { machineInfo, RESULTS_DIR } from './results-file';

const EXPERIMENTS = 20;
const WINDOWS = 60;

function windowCost(): { perExperimentWindowUs: number; perWindowAllMs: number; p99Us: number } {
  const def = experimentDefinitionSchema.parse({
    name: 'bench',
    service: 'rag',
    variants: [
      { name: 'control', weight: 0.5 },
      { name: 'b', weight: 0.5 },
    ],
    primary: 'quality',
    secondary: ['success_rate', 'cost_per_query'],
    guardrails: [
      { metric: 'p95_latency', margin: 0.1 },
      { metric: 'cost_per_success', margin: 0.05 },
    ],
    mde: 0.02,
    stopForFutility: false,
  });
  const plan = planExperiment(def, null);
  const rng = createRng(3);
  // Windows drawn up front: only the workflow's per-window work is timed. Users (64 a window from
  // 5,000, about 2,000 requests) tag their requests, so the look runs the delta-method variance.
  const windows: VariantWindow[][][] = Array.from({ length: EXPERIMENTS }, () => {
    const users = new Map<string, { point: number; effect: number }>();
    const userOf = (id: string) => users.get(id) ?? users.set(id, { point: rng.next(), effect: rng.normal() }).get(id)!;
    const accs = new Map<string, VariantAccumulator>();
    const traffic = { users: 64, requests: [16, 47] as [number, number], userSd: 0.1, prefix: 'u', pool: 5000, latency: true };
    return Array.from({ length: WINDOWS }, (_, w) => simulateUserWindow(rng, 'bench', { control: DEFAULT_TRUTH, b: DEFAULT_TRUTH }, traffic, w * 10_000, userOf, accs));
  });
  const totals: Array<Record<string, VariantTotals>> = Array.from({ length: EXPERIMENTS }, () => ({ control: emptyTotals(), b: emptyTotals() }));
  const states: LookState[] = Array.from({ length: EXPERIMENTS }, initialLookState);
  const samples: number[] = [];
  const perWindow: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = performance.now();
    for (let e = 0; e < EXPERIMENTS; e++) {
      const s = performance.now();
      for (const vw of windows[e]![w]!) totals[e]![vw.variant] = addTotals(totals[e]![vw.variant]!, totalsOf(vw));
      states[e] = evaluateLook(def, plan, totals[e]!, states[e]!).state;
      samples.push((performance.now() - s) * 1000);
    }
    perWindow.push(performance.now() - t0);
  }
  // The first windows warm the JIT; the rest are what a long-running worker pays.
  const steady = samples.slice(EXPERIMENTS * 5).sort((a, b) => a - b);
  return {
    perExperimentWindowUs: steady.reduce((s, x) => s + x, 0) / steady.length,
    perWindowAllMs: perWindow.slice(5).reduce((s, x) => s + x, 0) / (perWindow.length - 5),
    p99Us: steady[Math.floor(steady.length * 0.99)]!,
  };
}

export async function runExperimentsBench(): Promise<boolean> {
  const cost = windowCost();
  const rates = await assignmentRates();
  const met = rates.sdk >= ASSIGN_GOAL_PER_S;
  const m = machineInfo();
  const lines = [
    '# Experiments bench (BENCH_ONLY=experiments, bench/experiments.ts)',
    '',
    `Machine: ${m.cpuModel}, ${m.cpus} CPUs (shared with other work), Node ${m.node}. ${new Date().toISOString()}`,
    '',
    '## Per-window update (the experiment workflow\'s pure work per look)',
    '',
    `${EXPERIMENTS} concurrent experiments × 5 metrics (quality primary; success rate and cost per query secondary; p95 latency and cost per success guardrails), unit = user: 64 users a window (of 5,000) with 16–47 requests each, about 2,000 requests, tagged with the user so the look uses the delta-method variance over per-user sums; ${WINDOWS} windows each:`,
    '',
    '| what | value |',
    '|---|---|',
    `| one experiment, one window (merge both variants' windows + one look), mean | ${cost.perExperimentWindowUs.toFixed(0)} µs |`,
    `| same, p99 | ${cost.p99Us.toFixed(0)} µs |`,
    `| all ${EXPERIMENTS} experiments for one window | ${cost.perWindowAllMs.toFixed(2)} ms |`,
    '',
    'Activities (the status write per look) and Temporal signal handling are not in these numbers: they are what the workflow pays per window on top.',
    '',
    ...assignmentSection(rates),
  ];
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'experiments.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  return met;
}
