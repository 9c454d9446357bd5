import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import { projectIncident, recordProjectionFailure } from '../../db/incidents';
import { isDataError, storable } from '../../db/pg-text';
import { projectionChangeTime } from '../../domain/health/projection-change';
import type { StoreActivities } from './types';

/**
 * Projection activities: idempotent mirrors of workflow state into Postgres. A change Postgres refuses
 * for its data is never retried as is (it would fail forever and stall the incident's copy): it is
 * recorded and written with the unstorable characters replaced; connection trouble is retried.
 */
export function createStoreActivities(deps: { pool: Pool }): StoreActivities {
  return {
    async projectIncident({ view, lastSeq, events }) {
      try {
        await projectIncident(deps.pool, view, lastSeq, events);
        return;
      } catch (err) {
        if (!isDataError(err)) throw err;
        const reason = (err as Error).message;
        const changedAt = projectionChangeTime(events, Date.now());
        try {
          await projectIncident(deps.pool, storable(view), lastSeq, storable(events));
        } catch (again) {
          if (!isDataError(again)) throw again;
          await recordProjectionFailure(deps.pool, view, lastSeq, `${reason}; with replacements: ${(again as Error).message}`, false, changedAt);
          throw ApplicationFailure.create({ message: `Postgres refused incident ${view.workflowId} at seq ${lastSeq}: ${(again as Error).message}`, type: 'projection_refused', nonRetryable: true });
        }
        await recordProjectionFailure(deps.pool, view, lastSeq, reason, true, changedAt);
      }
    },
  };
}
