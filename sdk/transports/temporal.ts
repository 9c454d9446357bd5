// One signalWithStart per window to the service's monitor workflow (`monitor/<service>`): it starts
// the monitor if none is running, else only signals it. Names are strings so the SDK does not
// import workflow code (or @temporalio/client: a structural client type is enough).
import type { WindowSummary } from '../../domain/window-summary';
import { TransportError, type TransportFailureReason } from '../errors';
import type { Transport } from '../transport';
import { checkWindowText } from './window-text';

/** The monitor workflow's type name and its window signal, as workflows/service-monitor.ts registers them. */
export const MONITOR_WORKFLOW_TYPE = 'serviceMonitorWorkflow';
export const WINDOW_SIGNAL = 'window';

/** The monitor's start argument. */
export interface MonitorStartInput {
  service: string;
}

/** What the transport needs of a Temporal client (a @temporalio/client Client fits). */
export interface MonitorSignalClient {
  workflow: {
    signalWithStart(
      workflowType: string,
      options: { workflowId: string; taskQueue: string; args: [MonitorStartInput]; signal: string; signalArgs: [WindowSummary] },
    ): Promise<unknown>;
  };
}

/** Where to find Temporal and which task queue the monitor runs on. */
export interface TemporalTransportOptions {
  client: MonitorSignalClient;
  taskQueue: string;
}

// gRPC codes that retrying cannot fix: INVALID_ARGUMENT, NOT_FOUND (namespace), PERMISSION_DENIED,
// UNIMPLEMENTED, UNAUTHENTICATED. Everything else (UNAVAILABLE, DEADLINE_EXCEEDED, ...) may pass.
const PERMANENT_GRPC = new Map<number, TransportFailureReason>([
  [3, 'client'],
  [5, 'client'],
  [7, 'auth'],
  [12, 'client'],
  [16, 'auth'],
]);

function grpcCode(e: unknown): number | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The monitor workflow ID for a service. */
export function monitorWorkflowId(service: string): string {
  return `monitor/${service}`;
}

/** Signals each window to `monitor/<service>`, starting the monitor when needed. */
export function createTemporalTransport(o: TemporalTransportOptions): Transport {
  return {
    // One window per call: a batch that failed half-way would otherwise be re-signalled in part.
    maxBatch: 1,
    async send(windows: readonly WindowSummary[]): Promise<void> {
      checkWindowText(windows);
      for (const w of windows) {
        try {
          await o.client.workflow.signalWithStart(MONITOR_WORKFLOW_TYPE, {
            workflowId: monitorWorkflowId(w.service),
            taskQueue: o.taskQueue,
            args: [{ service: w.service }],
            signal: WINDOW_SIGNAL,
            signalArgs: [w],
          });
        } catch (e) {
          const code = grpcCode(e);
          const permanent = code === undefined ? undefined : PERMANENT_GRPC.get(code);
          const message = `signalWithStart ${monitorWorkflowId(w.service)} failed: ${e instanceof Error ? e.message : String(e)}`;
          throw new TransportError(permanent ?? 'server', message, { cause: e });
        }
      }
    },
  };
}
