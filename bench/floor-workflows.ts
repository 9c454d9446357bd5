// The floor's workflow bundle: the least a Temporal workflow can do (start, one activity, return).
import { proxyActivities } from '@temporalio/workflow';

/** The floor's single activity; it only records when it was invoked. */
export interface FloorActivities {
  noop(key: string): Promise<void>;
}

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });

/** Calls one no-op activity and returns: the baseline Vigil's incident workflow is compared to. */
export async function floorWorkflow(key: string): Promise<void> {
  await noop(key);
}
