import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { inject } from 'vitest';
import { findTemporalBinary, missingBinaryHelp } from '../../cli/stack/temporal-binary';
import { VIGIL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

let runtimeInstalled = false;

/** Keeps test output readable: the SDK's own info logs drown assertion failures otherwise. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** A time-skipping server from the provisioned binary, with Vigil's search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const bin = findTemporalBinary('temporal-test-server');
  if (!bin) throw new Error(missingBinaryHelp('temporal-test-server'));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: bin.path } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      VIGIL_SEARCH_ATTRIBUTES.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/** The workflow bundle built once by the global setup. */
export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}

/** A worker on a fresh task queue, so test files never steal each other's tasks. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: object,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    activities,
  });
}

/** A time-skipping server with one worker on `taskQueue`, for a test file's whole run. */
export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export async function startTimeSkippingWorker(taskQueue: string, activities: object): Promise<TimeSkippingHarness> {
  const env = await createTimeSkippingEnv();
  const worker = await createTestWorker(env, taskQueue, activities);
  const running = worker.run();
  return {
    env,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
