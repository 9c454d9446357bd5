// The Experiment workflow's message contracts: the API, CLI and SDK transports import this file,
// never the workflow itself.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExperimentDefinition } from '../domain/experiments/definition';
import type { LookState, MetricResult } from '../domain/experiments/evaluate';
import type { ExperimentPlan } from '../domain/experiments/plan';
import type { WindowPoint } from '../domain/experiments/report';
import type { StopSnapshot } from '../domain/experiments/srm-stops';
import type { VariantTotals, VariantWindow } from '../domain/experiments/variant-window';
import type { SrmResult } from '../domain/stats/srm';

/** What the workflow carries across continue-as-new. */
export interface ExperimentCarried {
  state: LookState;
  totals: Record<string, VariantTotals>;
  windows: Record<string, WindowPoint[]>;
  /** Keys of windows already counted (bounded), so a re-sent window is not counted twice. */
  seen: string[];
  paused: boolean;
  srm: SrmResult | null;
  results: Record<string, MetricResult[]>;
  ignoredWhilePaused: number;
  /** Status writes so far: each write carries the next number. */
  writes: number;
  /** When the next weekly report is due (workflow time, epoch ms), and the look the last one showed. */
  nextWeeklyAt: number;
  weeklyLook: number;
  /** Counted units at each look that stopped a variant: the SRM gate's phases (absent in runs from before). */
  stops?: StopSnapshot[];
}

export interface ExperimentWorkflowInput {
  definition: ExperimentDefinition;
  plan: ExperimentPlan;
  /** Looks per run before continuing as new (default 500); lowered in tests. */
  looksPerRun?: number;
  carried?: ExperimentCarried;
  pending?: VariantWindow[];
}

/** How the workflow ended. */
export interface ExperimentOutcome {
  decision: string;
  why: string;
  look: number;
}

/** What `status` shows. */
export interface ExperimentStatusView {
  name: string;
  paused: boolean;
  look: number;
  decision: string;
  why: string;
  stopped: LookState['stopped'];
  srm: SrmResult | null;
  results: Record<string, MetricResult[]>;
  requests: Record<string, number>;
  ignoredWhilePaused: number;
}

/** Per-variant window summaries (machine fact → signal); windows of other experiments are ignored. */
export const variantWindowsSignal = defineSignal<[VariantWindow[]]>('experimentWindows');
export interface ExperimentActionInput {
  by: string;
  reason?: string;
}
export const pauseExperimentUpdate = defineUpdate<ExperimentStatusView, [ExperimentActionInput]>('pauseExperiment');
export const resumeExperimentUpdate = defineUpdate<ExperimentStatusView, [ExperimentActionInput]>('resumeExperiment');
export const stopExperimentUpdate = defineUpdate<ExperimentStatusView, [ExperimentActionInput]>('stopExperiment');
export const experimentStatusQuery = defineQuery<ExperimentStatusView>('experimentStatus');

export const EXPERIMENT_WORKFLOW_TYPE = 'experimentWorkflow';
