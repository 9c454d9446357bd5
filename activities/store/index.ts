import type { Pool } from 'pg';
import { projectIncident } from '../../db/incidents';
import type { StoreActivities } from './types';

/** Projection activities: idempotent mirrors of workflow state into Postgres. */
export function createStoreActivities(deps: { pool: Pool }): StoreActivities {
  return {
    async projectIncident({ view, lastSeq, events }) {
      await projectIncident(deps.pool, view, lastSeq, events);
    },
  };
}
