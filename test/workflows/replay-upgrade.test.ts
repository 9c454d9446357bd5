import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { quietRuntime, workflowBundle } from '../support/time-skipping';

/**
 * An incident opened before steps were paged by one activity (plan + deliver + project activities,
 * recorded by test/integration/incident-cost.test.ts on that code: two levels paged, still open). A
 * worker upgraded under it must replay it without a nondeterminism error, or the incident would stop
 * escalating on the first deploy.
 */
const V0 = path.join(__dirname, '..', 'fixtures', 'incident-history-v0.pb');

describe('upgrade replay', () => {
  it('replays an incident history written by the plan/deliver/project version', async () => {
    quietRuntime();
    const history = temporal.api.history.v1.History.decode(readFileSync(V0));
    const T = temporal.api.enums.v1.EventType;
    const scheduled = (history.events ?? []).filter((e) => e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    // The fixture really is the old shape, or this test proves nothing.
    expect(scheduled).toContain('planDelivery');
    expect(scheduled).not.toContain('pageStep');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'incident/v0')).resolves.toBeUndefined();
  });
});
