// Core worker slot settings side by side: the same burst of incidents through one worker per
// setting, alternating rounds (A B, B A, …) in one run, so load drift hits both alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectWorker } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import type { CoreWorkerTuning } from '../workers/core-worker';
import { runIncidents } from './incidents-throughput';
import { machineInfo, RESULTS_DIR } from './results-file';
import type { SpeedDeps } from './speed-deps';
import { median as middle } from '../domain/stats/median';

export type TuningDeps = SpeedDeps;

export const TUNINGS: Record<string, CoreWorkerTuning> = {
  'current (20 workflow task slots, 1 workflow thread)': {},
  '2 workflow threads': { workflowThreadPoolSize: 2 },
  'SDK default (40 slots, 10 pollers)': { maxConcurrentWorkflowTaskExecutions: 40 },
};

const median = (xs: number[]) => Math.round(middle(xs) * 10) / 10;

export async function runTuningBench(d: TuningDeps, n: number, rounds: number): Promise<string> {
  const names = Object.keys(TUNINGS);
  const loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const runs = new Map<string, Array<{ throughput: number; p99: number }>>(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const pool = createPool(d.databaseUrl, 'vigil-bench-tuning');
      const connection = await connectWorker({ address: d.temporalAddress, namespace: d.namespace }, {});
      try {
        const res = await runIncidents({ client: d.client, connection, pool, temporalAddress: d.temporalAddress, namespace: d.namespace, bundleCode: d.bundleCode, n, concurrency: 100, timeoutMs: 300_000, prefix: `tune${r}-${names.indexOf(name)}`, tuning: TUNINGS[name]! });
        runs.get(name)!.push({ throughput: res.throughputPerSec, p99: res.latencyMs.p99 });
        d.log(`[tuning] round ${r + 1} ${name}: ${res.throughputPerSec}/s, p99 ${res.latencyMs.p99} ms`);
      } finally {
        await connection.close();
        await pool.end();
      }
    }
  }
  const base = median(runs.get(names[0]!)!.map((x) => x.throughput));
  const rows = names.map((name) => {
    const t = runs.get(name)!;
    const thr = median(t.map((x) => x.throughput));
    return `| ${name} | ${t.map((x) => x.throughput).join(', ')} | ${thr} | ${(thr / base).toFixed(2)} | ${median(t.map((x) => x.p99))} |`;
  });
  const table = ['| core worker setting | incidents/s per round | median | vs current | p99 first page (ms, median) |', '|---|--:|--:|--:|--:|', ...rows].join('\n');
  const m = machineInfo();
  const md = `# Core worker tuning: ${n} incidents per burst, ${rounds} alternating rounds\n\n${new Date().toISOString()} · Node ${m.node} · ${m.cpus} × ${m.cpuModel}\n\n${table}\n\n- Each burst opens ${n} new incidents (100 raises in flight) on a fresh worker with the setting; one console page each. Rounds alternate the order so drift in machine load hits every setting alike.\n- Load average (1/5/15 min) at start ${loadStart}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine shows here).\n`;
  fs.writeFileSync(path.join(RESULTS_DIR, 'tuning.md'), md);
  fs.writeFileSync(path.join(RESULTS_DIR, 'tuning.json'), `${JSON.stringify({ benchmark: 'tuning', date: new Date().toISOString(), machine: m, n, rounds, tunings: TUNINGS, runs: Object.fromEntries(runs) }, null, 2)}\n`);
  return table;
}
