/**
 * An HTTP Retry-After header (delta-seconds or an HTTP date) as milliseconds from `nowMs`, never
 * negative; undefined when absent or unreadable. Shared by every channel and the SDK's HTTP transport.
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
