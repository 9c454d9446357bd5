import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/**
 * Routes the Temporal SDK's own logs into our pino logger at WARN and above: its INFO lines
 * (webpack bundle statistics, worker state changes) drown what operators need to see.
 */
export function installTemporalRuntime(logger: Logger, env: NodeJS.ProcessEnv = process.env): void {
  if (installed) return;
  installed = true;
  const log = logger.child({ component: 'temporal-sdk' });
  // The worker's own metrics (workflow task latency, schedule-to-start, sticky cache…) for Prometheus.
  const metricsAddress = env.VIGIL_WORKER_METRICS_ADDRESS;
  Runtime.install({
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
      const fn = level === 'error' ? log.error.bind(log) : log.warn.bind(log);
      fn(entry.meta ?? {}, entry.message);
    }),
  });
}
