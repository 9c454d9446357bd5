import type { IncidentView } from '../../domain/incident-view';
import type { TimelineEntry } from '../../domain/incident-state';

export interface ProjectIncidentInput {
  view: IncidentView;
  lastSeq: number;
  events: TimelineEntry[];
}

/** The projection activity's type: its failing attempts count as projection lag (db/incidents.ts projectionBacklog). */
export const PROJECTION_ACTIVITY = 'projectIncident' satisfies keyof StoreActivities;

/** Activities that mirror workflow state into Postgres for people and dashboards. */
export interface StoreActivities {
  projectIncident(input: ProjectIncidentInput): Promise<void>;
}
