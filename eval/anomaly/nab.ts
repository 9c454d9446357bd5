/**
 * Window-based scoring that rewards early detection, as streaming-detection benchmarks score it
 * (Lavin & Ahmad 2015, "standard" profile): a window of 10 % of the stream's length divided by its
 * number of anomalies is centred on each labelled onset; the first alarm in a window earns a credit
 * that follows a scaled sigmoid of its position (≈ 0.987 at the window's start, 0 at its end); every
 * other alarm outside a window costs 0.11 (less right after a window, where it fades in by the same
 * sigmoid); a window without an alarm costs 1. Alarms in the learning period (the first 15 % of the
 * stream, at most 750 points) are not scored. Normalised over a corpus: a detector that never alarms
 * scores 0, one that alarms exactly at each window's start 100.
 */

/** Weights of the standard profile. */
export const PROFILE = { tp: 1, fp: 0.11, fn: 1 } as const;

/** Indices [start, end] (inclusive) of a labelled window, and the kind of the anomaly it surrounds. */
export interface ScoringWindow {
  start: number;
  end: number;
  kind: string;
}

/** The unscored learning period of a stream of `length` points. */
export function probationLength(length: number): number {
  return Math.min(Math.floor(0.15 * length), 750);
}

/** 2/(1+e^(5y)) − 1: +0.987 at y = −1 (window start), 0 at y = 0 (window end), towards −1 after; −1 beyond y = 3. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Windows around labelled onsets; overlapping windows merge (keeping the first kind). */
export function windowsFor(length: number, labels: ReadonlyArray<{ at: number; kind: string }>): ScoringWindow[] {
  if (labels.length === 0) return [];
  const size = Math.max(1, Math.floor((0.1 * length) / labels.length));
  const out: ScoringWindow[] = [];
  for (const l of [...labels].sort((a, b) => a.at - b.at)) {
    const start = Math.max(0, l.at - Math.floor(size / 2));
    const end = Math.min(length - 1, l.at + Math.ceil(size / 2));
    const prev = out.at(-1);
    if (prev && start <= prev.end) prev.end = Math.max(prev.end, end);
    else out.push({ start, end, kind: l.kind });
  }
  return out;
}

/** What one stream's alarms earned. */
export interface StreamScore {
  raw: number;
  /** Per window: the credit of its first alarm, or null when it was missed. */
  credits: Array<number | null>;
  falseAlarms: number;
}

/** Scores the alarmed indices (ascending) of one stream against its windows. */
export function scoreStream(alarms: readonly number[], windows: readonly ScoringWindow[], length: number): StreamScore {
  const probation = probationLength(length);
  const credits: Array<number | null> = windows.map(() => null);
  let raw = 0;
  let falseAlarms = 0;
  let w = 0; // first window that does not end before the alarm
  for (const i of alarms) {
    if (i < probation) continue;
    while (w < windows.length && windows[w]!.end < i) w++;
    const win = windows[w];
    if (win && i >= win.start) {
      if (credits[w] === null) {
        const y = -(win.end - i) / Math.max(1, win.end - win.start);
        credits[w] = PROFILE.tp * scaledSigmoid(y);
        raw += credits[w]!;
      }
      continue;
    }
    falseAlarms++;
    const before = windows[w - 1];
    raw += before ? PROFILE.fp * scaledSigmoid((i - before.end) / Math.max(1, before.end - before.start)) : -PROFILE.fp;
  }
  raw -= PROFILE.fn * credits.filter((c) => c === null).length;
  return { raw, credits, falseAlarms };
}

/** 0 for never alarming, 100 for an alarm at every window's start. */
export function normalise(raw: number, windows: number): number {
  const none = -PROFILE.fn * windows;
  const perfect = PROFILE.tp * scaledSigmoid(-1) * windows;
  return perfect === none ? 0 : (100 * (raw - none)) / (perfect - none);
}
