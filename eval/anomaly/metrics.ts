/**
 * Event-level scoring of alarms against labelled windows. A window is detected when an alarm falls
 * inside it or within TOLERANCE points after it; its delay is the first such alarm minus the window
 * start. Alarms elsewhere are false positives, counted per run of consecutive alarmed points: a run is
 * what one incident would be (Vigil folds repeats into the open incident), so a detector that stays on
 * is charged once per stretch, and one that flaps is charged for every flap.
 */
import type { AnomalyWindow } from './series';

/** Points after a window's end in which an alarm still counts as detecting it. */
export const TOLERANCE = 5;

/** Counts for one series or a sum of many. */
export interface Counts {
  points: number;
  windows: number;
  detected: number;
  falsePositives: number;
  alarmedPoints: number;
  delays: number[];
}

/** Scores one series' alarms (index i alarmed when `alarms[i]`). */
export function scoreAlarms(alarms: boolean[], windows: readonly AnomalyWindow[]): Counts {
  const covered = new Array<boolean>(alarms.length).fill(false);
  const delays: number[] = [];
  for (const w of windows) {
    const end = Math.min(alarms.length, w.end + TOLERANCE);
    for (let i = w.start; i < end; i++) covered[i] = true;
    for (let i = w.start; i < end; i++) {
      if (alarms[i]) {
        delays.push(i - w.start);
        break;
      }
    }
  }
  let falsePositives = 0;
  let alarmedPoints = 0;
  for (let i = 0; i < alarms.length; i++) {
    if (!alarms[i]) continue;
    alarmedPoints++;
    // A new run starts where the previous point was not an uncovered alarm.
    if (!covered[i] && (i === 0 || !alarms[i - 1] || covered[i - 1])) falsePositives++;
  }
  return { points: alarms.length, windows: windows.length, detected: delays.length, falsePositives, alarmedPoints, delays };
}

/** Sums counts over series. */
export function addCounts(a: Counts, b: Counts): Counts {
  return {
    points: a.points + b.points,
    windows: a.windows + b.windows,
    detected: a.detected + b.detected,
    falsePositives: a.falsePositives + b.falsePositives,
    alarmedPoints: a.alarmedPoints + b.alarmedPoints,
    delays: [...a.delays, ...b.delays],
  };
}

/** The sum of nothing, to start a sum from. */
export const NO_COUNTS: Counts = { points: 0, windows: 0, detected: 0, falsePositives: 0, alarmedPoints: 0, delays: [] };

/** The headline numbers for one detector. */
export interface Metrics {
  precision: number;
  recall: number;
  f1: number;
  fpPer1000: number;
  /** Mean detection delay in points over detected windows; null when nothing was detected. */
  meanDelay: number | null;
  detected: number;
  windows: number;
  falsePositives: number;
  points: number;
  /** Share of all points alarmed, to expose a detector that is simply always on. */
  alarmRate: number;
}

/** Precision = detected / (detected + false positives); recall = detected / windows; F1 their harmonic mean. */
export function metricsOf(c: Counts): Metrics {
  const precision = c.detected + c.falsePositives === 0 ? 0 : c.detected / (c.detected + c.falsePositives);
  const recall = c.windows === 0 ? 0 : c.detected / c.windows;
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    fpPer1000: c.points === 0 ? 0 : (1000 * c.falsePositives) / c.points,
    meanDelay: c.delays.length === 0 ? null : c.delays.reduce((s, d) => s + d, 0) / c.delays.length,
    detected: c.detected,
    windows: c.windows,
    falsePositives: c.falsePositives,
    points: c.points,
    alarmRate: c.points === 0 ? 0 : c.alarmedPoints / c.points,
  };
}
