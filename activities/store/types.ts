import type { IncidentView } from '../../domain/incident-view';
import type { TimelineEntry } from '../../domain/incident-state';

export interface ProjectIncidentInput {
  view: IncidentView;
  lastSeq: number;
  events: TimelineEntry[];
}

/** Activities that mirror workflow state into Postgres for people and dashboards. */
export interface StoreActivities {
  projectIncident(input: ProjectIncidentInput): Promise<void>;
}
