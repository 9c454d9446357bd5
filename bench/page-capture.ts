import { performance } from 'node:perf_hooks';
import type { DestinationStream } from 'pino';

/** A pino destination that records when each incident's first PAGE line (the console notifier) was written. */
export interface PageCapture extends DestinationStream {
  /** workflow ID → performance.now() of its first page. */
  readonly firstPage: Map<string, number>;
  /** `<workflow ID>|<escalation level>` → Date.now() (epoch ms, comparable with workflow time) of that level's first page. */
  readonly levelPage: Map<string, number>;
}

/**
 * Discards log output but timestamps the console notifier's "PAGE …" lines by their `incident`
 * field. pino calls write() synchronously, so the timestamp is the moment the page was logged.
 */
export function capturePages(): PageCapture {
  const firstPage = new Map<string, number>();
  const levelPage = new Map<string, number>();
  return {
    firstPage,
    levelPage,
    write(line: string) {
      if (!line.includes('"msg":"PAGE ')) return;
      const now = performance.now();
      const wall = Date.now();
      const entry = JSON.parse(line) as { msg?: unknown; incident?: unknown; level?: unknown };
      if (typeof entry.msg === 'string' && entry.msg.startsWith('PAGE ') && typeof entry.incident === 'string') {
        if (!firstPage.has(entry.incident)) firstPage.set(entry.incident, now);
        const key = `${entry.incident}|${String(entry.level)}`;
        if (!levelPage.has(key)) levelPage.set(key, wall);
      }
    },
  };
}
