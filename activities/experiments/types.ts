import type { StatusUpdate } from '../../db/experiments';
import type { ReportInput } from '../../domain/experiments/report';

/** Opens (or adds an occurrence to) the incident of kind `experiment` for a stopped variant. */
export interface ExperimentIncidentInput {
  experiment: string;
  service: string;
  variant: string;
  metric: string;
  why: string;
}

/** The Experiment workflow's side effects (activities/experiments). */
export interface ExperimentActivities {
  /** Projects a look into Postgres: status, stopped variants (the SDK's kill switch), decision. */
  recordExperimentLook(input: StatusUpdate): Promise<void>;
  openExperimentIncident(input: ExperimentIncidentInput): Promise<{ incidentWorkflowId: string }>;
  /** Builds, stores and posts a report; idempotent per (experiment, kind, look). */
  publishExperimentReport(input: ReportInput): Promise<{ delivered: number }>;
}
