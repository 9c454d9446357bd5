import pino, { type Logger } from 'pino';

/** The process logger: JSON lines (pino), level from LOG_LEVEL (default info). */
export function createLogger(name = 'vigil'): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    // Secrets must never reach logs even when someone logs a whole config or request.
    redact: { paths: ['*.token', '*.signingSecret', '*.password', 'headers.authorization'], censor: '[redacted]' },
  });
}

export type { Logger };
