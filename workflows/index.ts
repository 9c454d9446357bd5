// The workflow bundle's entry point: every workflow type the core worker runs.
export { incidentWorkflow } from './incident';
export { serviceMonitorWorkflow } from './service-monitor';
export { modelTrainingWorkflow } from './model-training';
export { complianceAuditWorkflow } from './compliance-audit';
export { channelDispatcherWorkflow } from './channel-dispatcher';
export { executiveRollupWorkflow } from './executive-rollup';
export { forecastWorkflow } from './forecast';
export { executiveReportWorkflow } from './executive-report';
export { experimentWorkflow } from './experiment';
