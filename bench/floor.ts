import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { FloorActivities, floorWorkflow } from './floor-workflows';
import { runPhase, type PhaseResult } from './phase';

/** The floor's own task queue, so its worker never sees Vigil's tasks. */
export const FLOOR_TASK_QUEUE = 'bench-floor';

/** Path of the floor's workflow file, for bundling. */
export const FLOOR_WORKFLOWS_PATH = path.join(__dirname, 'floor-workflows.ts');

/** What the floor phase runs against. */
export interface FloorDeps {
  client: Client;
  connection: NativeConnection;
  namespace: string;
  /** Workflow ID prefix, so a second floor phase in one run starts fresh workflows. */
  prefix?: string;
  /** The bundle of floor-workflows.ts (bundled before measuring, like Vigil's). */
  bundleCode: string;
  n: number;
  concurrency: number;
  timeoutMs: number;
}

/**
 * The floor: n bare workflow starts, each running one no-op activity, on one worker with SDK
 * defaults. Latency = activity invocation − start call.
 */
export function runFloor(deps: FloorDeps): Promise<PhaseResult> {
  const arrivals = new Map<string, number>();
  const activities: FloorActivities = {
    async noop(key) {
      if (!arrivals.has(key)) arrivals.set(key, performance.now());
    },
  };
  const keyOf = (i: number) => `${deps.prefix ?? 'bench-floor'}-${String(i + 1).padStart(4, '0')}`;
  return runPhase({
    name: 'floor',
    n: deps.n,
    concurrency: deps.concurrency,
    timeoutMs: deps.timeoutMs,
    arrivals,
    keyOf,
    createWorker: () =>
      Worker.create({
        connection: deps.connection,
        namespace: deps.namespace,
        taskQueue: FLOOR_TASK_QUEUE,
        workflowBundle: { code: deps.bundleCode },
        activities,
      }),
    async start(i) {
      const key = keyOf(i);
      await deps.client.workflow.start<typeof floorWorkflow>('floorWorkflow', { workflowId: key, taskQueue: FLOOR_TASK_QUEUE, args: [key] });
    },
  });
}
