import { ApplicationFailure } from '@temporalio/activity';

/** Why a delivery failed, shared by every channel so timelines and metrics read the same. */
export type DeliveryFailureReason = 'auth' | 'rate_limited' | 'client' | 'server' | 'network' | 'config';

/**
 * The one error classification for all channels: 2xx ok; 429 and 5xx retryable; other 4xx not
 * (retrying a bad token or payload only delays the fallback). `retryAfterMs` honours Retry-After.
 */
export function deliveryFailure(
  channel: string,
  reason: DeliveryFailureReason,
  message: string,
  retryAfterMs?: number,
): ApplicationFailure {
  const text = `${channel}: ${message}`;
  const retryable = reason === 'rate_limited' || reason === 'server' || reason === 'network';
  if (!retryable) return ApplicationFailure.create({ message: text, type: `delivery_${reason}`, nonRetryable: true });
  return ApplicationFailure.create({
    message: text,
    type: `delivery_${reason}`,
    nonRetryable: false,
    // Also in details: a workflow receives the failure without nextRetryDelay (the SDK drops it on the way back).
    ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs, details: [{ retryAfterMs }] } : {}),
  });
}

/** Maps an HTTP status to a failure reason (undefined for success). */
export function reasonForStatus(status: number): DeliveryFailureReason | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'client';
}

/** Removes secrets (tokens, webhook URLs) from text that may reach logs or timelines. */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/xox[abprs]-[A-Za-z0-9-]+/g, 'xox?-[redacted]');
}
