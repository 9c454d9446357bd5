/** Files smaller than this finish before a progress bar would be worth drawing. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;

const WIDTH = 30;
const REDRAW_MS = 100;

/** A one-line progress bar (percent of bytes read, rows per second) that redraws itself in place on a terminal. */
export interface Progress {
  update(bytesRead: number, rows: number): void;
  /** Erases the bar so the summary that follows starts on a clean line. */
  done(): void;
}

/**
 * A bar on `stream` when it is a terminal and the input is large enough to take a while; otherwise a
 * no-op, so redirected stderr (CI logs, tests) never fills with carriage returns.
 */
export function createProgress(
  stream: NodeJS.WriteStream,
  totalBytes: number,
  now: () => number = () => performance.now(),
): Progress {
  if (!stream.isTTY || totalBytes < PROGRESS_MIN_BYTES) return { update() {}, done() {} };
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(bytesRead, rows) {
      const at = now();
      if (at - lastDraw < REDRAW_MS) return;
      lastDraw = at;
      const fraction = Math.min(1, bytesRead / totalBytes);
      const filled = Math.round(fraction * WIDTH);
      const seconds = (at - started) / 1000;
      const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${rows.toLocaleString('en-US')} rows  ${rate.toLocaleString('en-US')} rows/s\x1b[K`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
