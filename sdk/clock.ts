/** A scheduled callback that can be called off. */
export interface TimerHandle {
  cancel(): void;
}

/** Time as the reporter sees it; tests pass a fake one and advance it by hand. */
export interface ReporterClock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Runs fn after ms. The timer must not keep the process alive unless keepAlive is set, which the
   * reporter does only while a caller is awaiting flush() or shutdown().
   */
  setTimer(fn: () => void, ms: number, keepAlive?: boolean): TimerHandle;
}

/** Date.now and setTimeout, with every timer unref'd unless asked otherwise. */
export const systemClock: ReporterClock = {
  now: () => Date.now(),
  setTimer(fn, ms, keepAlive = false) {
    const t = setTimeout(fn, ms);
    if (!keepAlive) t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
