/** Error codes callers can branch on; the message is for humans and says what to do. */
export type VigilErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'invalid_state'
  | 'config_invalid'
  | 'unauthorized'
  | 'unavailable';

/** An error with a stable code and a human message; safe to show to users (never holds secrets). */
export class VigilError extends Error {
  constructor(
    readonly code: VigilErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'VigilError';
  }
}
