import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/**
 * Routes the Temporal SDK's own logs into our pino logger at WARN and above: its INFO lines
 * (webpack bundle statistics, worker state changes) drown what operators need to see.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const fn = level === 'error' ? log.error.bind(log) : log.warn.bind(log);
      fn(entry.meta ?? {}, entry.message);
    }),
  });
}
