import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PhaseResult } from './phase';
import { comparisonRows, markdownTable, ratios, type Ratios } from './table';

/** Where the committed results live. */
export const RESULTS_DIR = path.join(__dirname, 'results');

/** Facts that make two result files comparable. */
export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
}

/** The whole results file. */
export interface BenchResults {
  benchmark: 'incidents';
  date: string;
  machine: MachineInfo;
  temporal: { server: string; sdk: string };
  settings: { incidents: number; concurrency: number; timeoutMs: number };
  notes: string[];
  floor: PhaseResult;
  vigil: PhaseResult;
  ratio: Ratios;
  /**
   * Throughput ratio of each floor/Vigil pair, run in ABBA order (floor first, then Vigil first), so
   * load that drifts during the run (other processes, a warming server) biases them in opposite directions.
   */
  pairs?: Array<{ order: 'floor first' | 'vigil first'; floorPerSec: number; vigilPerSec: number; ratio: number; floorCpuMs?: Record<string, number>; vigilCpuMs?: Record<string, number> }>;
}

/** CPU ms per incident by process, averaged over the pairs that measured it. */
export function meanCpuMs(pairs: NonNullable<BenchResults['pairs']>, side: 'floorCpuMs' | 'vigilCpuMs'): Record<string, number> {
  const got = pairs.map((p) => p[side]).filter((c): c is Record<string, number> => c !== undefined && Object.keys(c).length > 0);
  const out: Record<string, number> = {};
  for (const c of got) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v / got.length;
  // Largest first, the sum last; processes under 0.05 ms (a bundler's leftovers) left out.
  const rows = Object.entries(out).filter(([k, v]) => k !== 'all' && v >= 0.05).sort((a, b) => b[1] - a[1]);
  if (out.all !== undefined) rows.push(['all', out.all]);
  return Object.fromEntries(rows.map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

const cpuText = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');

/** The mean of the pairs' throughput ratios: the figure compared with the goal. */
export function pairedRatio(r: Pick<BenchResults, 'pairs' | 'ratio'>): number {
  if (!r.pairs?.length) return r.ratio.throughput;
  return Math.round((r.pairs.reduce((a, p) => a + p.ratio, 0) / r.pairs.length) * 100) / 100;
}

/** This machine, as the results file records it. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/** Assembles the results object. */
export function buildResults(o: Omit<BenchResults, 'benchmark' | 'date' | 'machine' | 'ratio'>): BenchResults {
  return { benchmark: 'incidents', date: new Date().toISOString(), machine: machineInfo(), ...o, ratio: ratios(o.floor, o.vigil) };
}

/** The Markdown page: heading, setup line, table, notes. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  return [
    `# Incidents benchmark: ${r.settings.incidents} incidents opened concurrently, one worker`,
    '',
    `${r.date} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGiB} GiB · ${m.platform} · Temporal SDK ${r.temporal.sdk}, ${r.temporal.server} · ${r.settings.concurrency} client calls in flight`,
    '',
    markdownTable(comparisonRows(r.floor, r.vigil)),
    '',
    ...(r.pairs?.length
      ? [
          `Throughput ratio per pair: ${r.pairs.map((p) => `${p.ratio.toFixed(2)} (${p.order}: ${p.floorPerSec.toFixed(1)} vs ${p.vigilPerSec.toFixed(1)}/s)`).join(', ')}; **mean ${pairedRatio(r).toFixed(2)}** (goal ≥ 0.9). The table above is the first pair.`,
          '',
          ...cpuLines(r.pairs),
        ]
      : []),
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes incidents.json and incidents.md; returns their paths. */
export function writeResults(r: BenchResults): string[] {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = path.join(RESULTS_DIR, 'incidents.json');
  const md = path.join(RESULTS_DIR, 'incidents.md');
  fs.writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(md, renderMarkdown(r));
  return [json, md];
}

/** CPU per incident, floor and Vigil, mean over the pairs, and each pair's total ratio. */
function cpuLines(pairs: NonNullable<BenchResults['pairs']>): string[] {
  const floor = meanCpuMs(pairs, 'floorCpuMs');
  const vigil = meanCpuMs(pairs, 'vigilCpuMs');
  if (floor.all === undefined || vigil.all === undefined) return [];
  const perPair = pairs.filter((p) => p.floorCpuMs?.all && p.vigilCpuMs?.all).map((p) => (p.floorCpuMs!.all! / p.vigilCpuMs!.all!).toFixed(2));
  return [
    `CPU ms per incident, first trigger to last page, mean of the pairs: floor ${cpuText(floor)}; Vigil ${cpuText(vigil)}. Floor/Vigil CPU per pair: ${perPair.join(', ')} (mean ${(floor.all / vigil.all).toFixed(2)}).`,
    '',
  ];
}
