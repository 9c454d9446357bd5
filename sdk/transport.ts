import type { WindowSummary } from '../domain/window-summary';

/** Where closed windows go (HTTP API or Temporal); one instance may serve many reporters. */
export interface Transport {
  /** Most windows one send() may carry (1 when each window is its own call, as with Temporal signals). */
  readonly maxBatch: number;
  /**
   * Delivers the windows, all or nothing. Rejects with a TransportError saying whether a retry may
   * help; any other rejection (or synchronous throw) is treated as retryable.
   */
  send(windows: readonly WindowSummary[]): Promise<void>;
}
