import type { ReporterClock } from '../../sdk';

// A macrotask turn: every promise chain not waiting on a timer has run by then.
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that only moves when told to, running due timers in order and letting promises settle after each. */
export class FakeClock implements ReporterClock {
  private timers: Array<{ at: number; seq: number; fn: () => void; keepAlive: boolean; cancelled: boolean }> = [];
  private seq = 0;
  /** Every timer ever set, with whether it was allowed to hold the process open. */
  readonly created: Array<{ ms: number; keepAlive: boolean }> = [];

  constructor(public t: number) {}

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number, keepAlive = false) {
    const timer = { at: this.t + ms, seq: this.seq++, fn, keepAlive, cancelled: false };
    this.timers.push(timer);
    this.created.push({ ms, keepAlive });
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers still waiting. */
  pending() {
    return this.timers.filter((t) => !t.cancelled);
  }

  /** Moves time forward by ms, firing each due timer at its own time and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      const due = this.pending()
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.cancelled = true;
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = target;
    await settle();
  }
}
