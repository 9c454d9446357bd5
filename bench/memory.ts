import v8 from 'node:v8';
import vm from 'node:vm';

/** Peak and latest resident set size seen by a sampler, in bytes. */
export interface RssSampler {
  peak(): number;
  stop(): void;
}

/** Samples process.memoryUsage().rss every `intervalMs` and keeps the peak. */
export function sampleRss(intervalMs = 100): RssSampler {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  timer.unref();
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  };
}

let gc: (() => void) | undefined;

/** A full garbage collection (exposed at runtime, since `npm run bench` passes no --expose-gc). */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

/** Bytes as MiB with one decimal. */
export function toMb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
