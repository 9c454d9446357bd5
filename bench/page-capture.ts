import { performance } from 'node:perf_hooks';
import type { DestinationStream } from 'pino';

/** A pino destination that records when each incident's first PAGE line (the console notifier) was written. */
export interface PageCapture extends DestinationStream {
  /** workflow ID → performance.now() of its first page. */
  readonly firstPage: Map<string, number>;
}

/**
 * Discards log output but timestamps the console notifier's "PAGE …" lines by their `incident`
 * field. pino calls write() synchronously, so the timestamp is the moment the page was logged.
 */
export function capturePages(): PageCapture {
  const firstPage = new Map<string, number>();
  return {
    firstPage,
    write(line: string) {
      if (!line.includes('"msg":"PAGE ')) return;
      const now = performance.now();
      const entry = JSON.parse(line) as { msg?: unknown; incident?: unknown };
      if (typeof entry.msg === 'string' && entry.msg.startsWith('PAGE ') && typeof entry.incident === 'string') {
        if (!firstPage.has(entry.incident)) firstPage.set(entry.incident, now);
      }
    },
  };
}
