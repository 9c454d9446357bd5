import type { AnomalySettings, MonitorAction } from '../../domain/monitor';
import type { ServiceSla } from '../../domain/sla-config';
import type { WindowSummary } from '../../domain/window-summary';

/** Activities the ServiceMonitor uses: its SLA from the config, incidents through the incident service, storage. */
export interface MonitorActivities {
  /** The service's SLA and how model verdicts become incidents, read from the config once per run. */
  loadMonitorSettings(input: { service: string }): Promise<MonitorSettings>;
  /** Raises violations (signal-with-start of their incidents) and clears conditions, in order. */
  applyMonitorActions(input: { actions: MonitorAction[] }): Promise<{ raised: number; cleared: number }>;
  /** Stores window summaries in metric_windows; a window stored before is skipped. */
  storeWindows(input: { windows: WindowSummary[] }): Promise<{ stored: number }>;
}

export interface MonitorSettings {
  sla: ServiceSla;
  anomaly: AnomalySettings;
  mlTaskQueue: string;
}
