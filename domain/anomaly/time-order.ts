// Real exports are not always in time order: a row repeats its timestamp, a pair comes swapped, a
// collector drops an hour. Stopping there loses the rest of the stream, so every row is scored in file
// order and the detectors are shown a time that never goes back (the latest seen so far); the row is
// flagged so the caller can say what it did. Gaps need nothing: detectors score the next row as it comes.

/** What was odd about a row's timestamp, if anything. */
export type TimeIssue = 'duplicate' | 'out-of-order';

/** Tracks the latest timestamp of a stream. */
export class TimeOrder {
  latest = -Infinity;

  /** The time to give the detectors for a row stamped `t`, and what was wrong with it. */
  next(t: number): { t: number; issue?: TimeIssue } {
    if (t > this.latest) {
      this.latest = t;
      return { t };
    }
    return { t: this.latest, issue: t === this.latest ? 'duplicate' : 'out-of-order' };
  }
}
