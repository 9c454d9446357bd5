import { VigilError } from '../domain/errors';
import { textRefusal, type TextKind } from '../domain/text';

/** Why a send failed, in the vocabulary Vigil's notifiers use (429/5xx/network retry; other 4xx do not). */
export type TransportFailureReason = 'auth' | 'rate_limited' | 'client' | 'server' | 'network';

/** Thrown by a transport's send(); `retryable` decides whether the reporter tries again. */
export class TransportError extends Error {
  readonly reason: TransportFailureReason;
  readonly retryable: boolean;
  readonly status?: number;
  /** Server-requested wait before the next attempt (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(reason: TransportFailureReason, message: string, opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TransportError';
    this.reason = reason;
    this.retryable = reason === 'rate_limited' || reason === 'server' || reason === 'network';
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * What went wrong, as the reporter tells onError: `send_failed` (retries used up), `send_rejected`
 * (not retryable, e.g. 401/400), `window_dropped` (queue full, oldest window dropped),
 * `shutdown_timeout` (windows still unsent when shutdown() gave up), `internal` (a bug of ours).
 */
export type ReporterErrorCode = 'send_failed' | 'send_rejected' | 'window_dropped' | 'shutdown_timeout' | 'internal';

/** An error the reporter reports (never throws into the caller): a code, a human message, the windows lost. */
export class ReporterError extends Error {
  constructor(
    readonly code: ReporterErrorCode,
    message: string,
    /** Windows this error lost (their samples are counted into the next window's `dropped`). */
    readonly windows: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReporterError';
  }
}

/**
 * A text field that breaks Vigil's text policy (NUL, a lone surrogate, a control character, a line
 * break in a one-line field), thrown in the caller's process: sent, it would only come back as a 400.
 * A VigilError `invalid_input`, so code that caught those before still does.
 */
export class InvalidFieldError extends VigilError {
  constructor(
    /** The field as the caller named it, e.g. `service` or `windows[0].source`. */
    readonly field: string,
    /** Why, e.g. "must not contain NUL (U+0000)". */
    readonly reason: string,
  ) {
    super('invalid_input', `${field} ${reason}`, { field });
    this.name = 'InvalidFieldError';
  }
}

/** Throws InvalidFieldError when `value` is a string the policy refuses; other types are the caller's schema's business. */
export function checkTextField(field: string, value: unknown, kind: TextKind = 'line'): void {
  if (typeof value !== 'string') return;
  const why = textRefusal(value, kind);
  if (why) throw new InvalidFieldError(field, why);
}
