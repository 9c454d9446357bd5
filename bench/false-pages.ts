// The ServiceMonitor's anomaly page rate on clean traffic: its scoring path (the evidence ensemble of
// domain/anomaly/window-scorer.ts, then the monitor's hysteresis, applyModelVerdict with the default
// openAfter 2 / resolveAfter 6) over `FALSE_PAGES_WEEKS` (8) weeks of clean seeded 10-second windows
// of each service shape of domain/anomaly/synthetic-windows.ts. A page is an `anomaly` incident opened;
// on clean traffic every one is false. Counted at the monitor's bar and at others, to show the trade;
// then, from each shape's final state, which planted anomalies open an incident and how fast (so a
// quiet bar is not bought by missing everything). Writes bench/results/false-pages.{json,md}.
// `BENCH_ONLY=false-pages npm run bench` or `npx tsx bench/false-pages.ts`.
import fs from 'node:fs';
import path from 'node:path';
import type { EvidenceDetector } from '../domain/anomaly/evidence';
import { restoreDetector } from '../domain/anomaly/restore';
import { cleanWindows, SERVICE_SHAPES, type ServiceShape } from '../domain/anomaly/synthetic-windows';
import { createWindowEnsemble, judgeWindow, MONITOR_SURPRISE, windowPoint } from '../domain/anomaly/window-scorer';
import { applyModelVerdict, emptyMonitorState, type AnomalySettings, type MonitorState } from '../domain/monitor';
import type { WindowSummary } from '../domain/window-summary';
import { positiveInt } from './env';
import { machineInfo, RESULTS_DIR } from './results-file';

const WINDOW_MS = 10_000;
const PER_WEEK = 604_800_000 / WINDOW_MS;
const BARS = [4, 5, 6, 7, 8, 9];
const SETTINGS: AnomalySettings = { enabled: true, openAfter: 2, resolveAfter: 6 };
/** A Monday, so weeks line up with the shapes' weekday/weekend pattern. */
const START = Date.UTC(2026, 0, 5);
/** Windows each planted anomaly lasts. */
const PLANTED = 30;

/** Anomalies planted after the clean weeks: each a different shape of trouble, as a changed service. */
const PLANTS: ReadonlyArray<{ name: string; shape: (s: ServiceShape) => ServiceShape }> = [
  { name: 'latency ×3', shape: (s) => ({ ...s, latencyMs: (l) => 3 * s.latencyMs(l) }) },
  { name: 'errors +10 pp', shape: (s) => ({ ...s, errorRate: s.errorRate + 0.1 }) },
  { name: 'quality −0.15', shape: (s) => ({ ...s, quality: s.quality - 0.15 }) },
  { name: 'traffic ×4', shape: (s) => ({ ...s, rate: s.rate * 4 }) },
  { name: 'traffic stops', shape: (s) => ({ ...s, rate: 0 }) },
];

interface ShapeResult {
  shape: string;
  windows: number;
  /** pages[bar index][week] */
  pages: number[][];
  pointsPerSecond: number;
  snapshotKb: number;
  /** Windows after a plant's onset until the incident opened at the monitor's bar, or null if it never did. */
  detection: Record<string, number | null>;
}

/** Whether this step opened the anomaly incident (the hysteresis went from closed to open). */
const opened = (before: MonitorState, after: MonitorState) => !before.hysteresis[ANOMALY]?.open && after.hysteresis[ANOMALY]?.open === true;
const ANOMALY = 'anomaly/model';

function stepBars(states: MonitorState[], w: WindowSummary, surprise: number, week: number, pages: number[][]): void {
  BARS.forEach((bar, k) => {
    const v = { scored: true, score: surprise / 10, threshold: bar / 10, anomalous: surprise >= bar, modelVersion: null };
    const r = applyModelVerdict(states[k]!, w, v, SETTINGS);
    if (opened(states[k]!, r.state)) pages[k]![week]!++;
    states[k] = r.state;
  });
}

function runShape(shape: ServiceShape, weeks: number, seed: number): ShapeResult {
  const detector = createWindowEnsemble();
  const states = BARS.map(() => emptyMonitorState(shape.name));
  const pages = BARS.map(() => Array<number>(weeks).fill(0));
  let previous: WindowSummary | undefined;
  let i = 0;
  let scoringMs = 0;
  for (const w of cleanWindows(shape, { service: shape.name, start: START, count: PER_WEEK * weeks, seed })) {
    const t = performance.now();
    const j = judgeWindow(detector, windowPoint(w, previous));
    scoringMs += performance.now() - t;
    stepBars(states, w, j.surprise, Math.floor(i / PER_WEEK), pages);
    previous = w;
    i++;
  }
  const snapshot = JSON.stringify(detector.toJSON());
  const detection: Record<string, number | null> = {};
  const after = START + i * WINDOW_MS;
  for (const plant of PLANTS) {
    const d = restoreDetector(JSON.parse(snapshot)) as EvidenceDetector;
    let state = states[BARS.indexOf(MONITOR_SURPRISE)]!;
    let prev = previous;
    detection[plant.name] = null;
    let k = 0;
    for (const w of cleanWindows(plant.shape(shape), { service: shape.name, start: after, count: PLANTED, seed: seed + 1 })) {
      const j = judgeWindow(d, windowPoint(w, prev));
      const r = applyModelVerdict(state, w, { scored: true, score: j.score, threshold: j.threshold, anomalous: j.anomalous, modelVersion: null }, SETTINGS);
      const open = opened(state, r.state);
      state = r.state;
      prev = w;
      k++;
      if (open) {
        detection[plant.name] = k;
        break;
      }
    }
  }
  return { shape: shape.name, windows: i, pages, pointsPerSecond: Math.round((i / scoringMs) * 1000), snapshotKb: Math.round(snapshot.length / 1024), detection };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(2));

/** Runs the measurement and writes the results; returns the page rate per service per week at the monitor's bar. */
export function runFalsePagesBench(): number {
  const weeks = positiveInt('FALSE_PAGES_WEEKS', 8);
  const seed = positiveInt('FALSE_PAGES_SEED', 1);
  // A short mode for iterating: FALSE_PAGES_SHAPES=steady,daily-cycle FALSE_PAGES_WEEKS=2.
  const only = process.env.FALSE_PAGES_SHAPES?.split(',').map((s) => s.trim());
  const shapes = only ? SERVICE_SHAPES.filter((s) => only.includes(s.name)) : SERVICE_SHAPES;
  if (shapes.length === 0) throw new Error(`FALSE_PAGES_SHAPES names no shape; known: ${SERVICE_SHAPES.map((s) => s.name).join(', ')}`);
  const results: ShapeResult[] = [];
  for (const shape of shapes) {
    const t = performance.now();
    results.push(runShape(shape, weeks, seed));
    console.log(`false-pages: ${shape.name} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const at = BARS.indexOf(MONITOR_SURPRISE);
  const rate = (k: number, from = 0) => sum(results.map((r) => sum(r.pages[k]!.slice(from)))) / (results.length * (weeks - from));
  const lines = [
    '# False pages of the ServiceMonitor on clean traffic',
    '',
    `${weeks} weeks of clean seeded 10-second windows (seed ${seed}, ${PER_WEEK.toLocaleString('en')} a week) per service shape, scored as the`,
    `monitor scores them (evidence ensemble, then hysteresis: open after ${SETTINGS.openAfter} anomalous windows in a row). A page is an`,
    `\`anomaly\` incident opened; every one here is false. The monitor's bar is a surprise of ${MONITOR_SURPRISE} decades.`,
    `\`BENCH_ONLY=false-pages npm run bench\` (FALSE_PAGES_WEEKS, FALSE_PAGES_SEED, FALSE_PAGES_SHAPES). ${new Date().toISOString()}, ${machineInfo().cpus}.`,
    '',
    '## False pages per service per week, by bar (surprise in decades)',
    '',
    `| bar | ${results.map((r) => r.shape).join(' | ')} | all shapes | all, weeks 2–${weeks} |`,
    `|---:|${results.map(() => '---:').join('|')}|---:|---:|`,
    ...BARS.map((bar, k) => {
      const mark = bar === MONITOR_SURPRISE ? '**' : '';
      return `| ${mark}${bar}${mark} | ${results.map((r) => fmt(sum(r.pages[k]!) / weeks)).join(' | ')} | ${mark}${fmt(rate(k))}${mark} | ${fmt(rate(k, 1))} |`;
    }),
    '',
    `## Pages per week at the monitor's bar (${MONITOR_SURPRISE}), week by week`,
    '',
    ...results.map((r) => `- ${r.shape}: ${r.pages[at]!.join(' / ')}`),
    '',
    `## Planted anomalies at the monitor's bar: windows from onset to the incident (— = not opened within ${PLANTED})`,
    '',
    `| anomaly | ${results.map((r) => r.shape).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    ...PLANTS.map((p) => `| ${p.name} | ${results.map((r) => r.detection[p.name] ?? '—').join(' | ')} |`),
    '',
    '## Cost',
    '',
    ...results.map((r) => `- ${r.shape}: ${r.windows.toLocaleString('en')} windows, ${r.pointsPerSecond.toLocaleString('en')} windows/s scored (one core), snapshot ${r.snapshotKb} KB`),
    '',
  ];
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'false-pages.md'), lines.join('\n'));
  fs.writeFileSync(
    path.join(RESULTS_DIR, 'false-pages.json'),
    `${JSON.stringify({ benchmark: 'false-pages', date: new Date().toISOString(), machine: machineInfo(), weeks, seed, bar: MONITOR_SURPRISE, bars: BARS, pagesPerServicePerWeek: rate(at), results }, null, 2)}\n`,
  );
  console.log(lines.join('\n'));
  return rate(at);
}

if (require.main === module) runFalsePagesBench();
