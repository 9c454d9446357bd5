// What RAG services import: `createReporter` plus one of the transports.
export { createReporter, type Reporter, type ReporterOptions, type ReporterStats } from './reporter';
export type { MetricSample } from './window';
export type { Transport } from './transport';
export { systemClock, type ReporterClock, type TimerHandle } from './clock';
export { InvalidFieldError, ReporterError, TransportError, type ReporterErrorCode, type TransportFailureReason } from './errors';
export { createHttpTransport, type FetchLike, type HttpTransportOptions } from './transports/http';
export { createTemporalTransport, MONITOR_WORKFLOW_TYPE, WINDOW_SIGNAL, monitorWorkflowId, type MonitorSignalClient, type TemporalTransportOptions } from './transports/temporal';
export type { WindowSummary } from '../domain/window-summary';
export type { LatencySketch } from '../domain/latency-sketch';
export { createProcessingEventEmitter, type EmitEvent, type EmitterStats, type FlushResult, type ProcessingEventEmitter, type ProcessingEventEmitterOptions } from './processing-events';
export type { ProcessingEventResult } from './processing-events-http';
export { EmitterError, type EmitterErrorCode, type FieldIssue } from './processing-events-errors';
export { createExperiments, httpAssignmentSource, type Assignment, type AssignmentSource, type AssignmentView, type Experiments, type ExperimentsOptions } from './experiments';
export type { ExperimentTag, ExperimentTransport } from './experiment-windows';
export { createHttpExperimentTransport, createTemporalExperimentTransport, EXPERIMENT_WINDOWS_SIGNAL, type ExperimentSignalClient } from './transports/experiment';
export { assignmentPoint, assignVariant } from '../domain/experiments/assignment';
export type { VariantWindow } from '../domain/experiments/variant-window';
