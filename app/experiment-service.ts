// What the API and the CLI do with experiments, in one place: validate and plan a definition,
// store it and start its workflow, read status, pause/resume/stop, list reports, and the
// assignment view the SDK's kill switch polls.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { deleteExperiment, getExperiment, insertExperiment, listExperimentReports, listExperiments, requestsLastDay, type ExperimentRow, type StoredReport } from '../db/experiments';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';
import { experimentDefinitionSchema, experimentWorkflowId, saltOf, type ExperimentDefinition } from '../domain/experiments/definition';
import { planExperiment, type ExperimentPlan } from '../domain/experiments/plan';
import type { VariantWindow } from '../domain/experiments/variant-window';
import {
  EXPERIMENT_WORKFLOW_TYPE,
  experimentStatusQuery,
  pauseExperimentUpdate,
  resumeExperimentUpdate,
  stopExperimentUpdate,
  variantWindowsSignal,
  type ExperimentStatusView,
  type ExperimentWorkflowInput,
} from '../workflows/experiment-messages';

/** What a definition becomes before anything starts: the design and what it costs. */
export interface ExperimentPreview {
  definition: ExperimentDefinition;
  plan: ExperimentPlan;
}

/** What the SDK needs to assign: the split, and which variants are off (kill switch). */
export interface AssignmentView {
  name: string;
  salt: string;
  unit: ExperimentDefinition['unit'];
  primary: ExperimentDefinition['primary'];
  variants: Array<{ name: string; weight: number }>;
  status: ExperimentRow['status'];
  stoppedVariants: string[];
}

export type ExperimentAction = 'pause' | 'resume' | 'stop';

export interface ExperimentService {
  preview(input: unknown): Promise<ExperimentPreview>;
  create(input: unknown, by: string): Promise<ExperimentPreview & { workflowId: string }>;
  list(): Promise<ExperimentRow[]>;
  status(name: string): Promise<{ experiment: ExperimentRow; live: ExperimentStatusView | null }>;
  act(name: string, action: ExperimentAction, by: string, reason?: string): Promise<ExperimentStatusView>;
  reports(name: string): Promise<StoredReport[]>;
  assignment(name: string): Promise<AssignmentView>;
  /** Forwards SDK windows to their experiments' workflows; unknown experiments are counted, not fatal. */
  ingest(windows: VariantWindow[]): Promise<{ forwarded: number; unknown: string[] }>;
}

/** A definition parsed, or invalid_input naming every bad field (paths bare: the API prefixes `body.`). */
export function parseDefinition(input: unknown, config: VigilConfig): ExperimentDefinition {
  const r = experimentDefinitionSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(root)', message: i.message }));
    throw new VigilError('invalid_input', `invalid experiment: ${issues[0]!.field}: ${issues[0]!.message}`, { issues });
  }
  const missing = r.data.reportChannels.findIndex((c) => !config.channels[c]);
  if (missing >= 0) {
    const field = `reportChannels.${missing}`;
    const message = `no channel named "${r.data.reportChannels[missing]}" in the config (have: ${Object.keys(config.channels).join(', ') || 'none'})`;
    throw new VigilError('invalid_input', `invalid experiment: ${field}: ${message}`, { issues: [{ field, message }] });
  }
  return r.data;
}

export function createExperimentService(deps: { client: Client; pool: Pool; config: VigilConfig }): ExperimentService {
  const { client, pool, config } = deps;
  const row = async (name: string) => {
    const r = await getExperiment(pool, name);
    if (!r) throw new VigilError('not_found', `no experiment named "${name}": \`vigil experiments list\` shows them`);
    return r;
  };
  const preview = async (input: unknown): Promise<ExperimentPreview> => {
    const definition = parseDefinition(input, config);
    return { definition, plan: planExperiment(definition, definition.unitsPerDay ?? (await requestsLastDay(pool, definition.service))) };
  };
  return {
    preview,
    async create(input, by) {
      const { definition, plan } = await preview(input);
      if (!(await insertExperiment(pool, definition, plan, by))) {
        throw new VigilError('invalid_state', `an experiment named "${definition.name}" exists already: pick another name (or a new salt to re-randomise)`);
      }
      const workflowId = experimentWorkflowId(definition.name);
      try {
        const args: [ExperimentWorkflowInput] = [{ definition, plan }];
        await client.workflow.start(EXPERIMENT_WORKFLOW_TYPE, { workflowId, taskQueue: config.temporal.taskQueue, args, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      } catch (err) {
        // Nothing half-made: without its workflow the row would be an experiment nobody runs.
        await deleteExperiment(pool, definition.name);
        throw err;
      }
      return { definition, plan, workflowId };
    },
    list: () => listExperiments(pool),
    async status(name) {
      const experiment = await row(name);
      let live: ExperimentStatusView | null = null;
      try {
        live = await client.workflow.getHandle(experimentWorkflowId(name)).query(experimentStatusQuery);
      } catch (err) {
        // A finished experiment has no one to answer: the stored row is its status.
        if (!(err instanceof WorkflowNotFoundError) && !/closed|completed|not found/i.test(String((err as Error).message))) throw err;
      }
      return { experiment, live };
    },
    async act(name, action, by, reason) {
      const r = await row(name);
      if (r.status === 'stopped' || r.status === 'shipped') throw new VigilError('invalid_state', `experiment "${name}" is over (${r.status}): nothing to ${action}`);
      const update = action === 'pause' ? pauseExperimentUpdate : action === 'resume' ? resumeExperimentUpdate : stopExperimentUpdate;
      try {
        return await client.workflow.getHandle(experimentWorkflowId(name)).executeUpdate(update, { args: [{ by, ...(reason ? { reason } : {}) }] });
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        if (cause) throw new VigilError('invalid_state', cause);
        throw err;
      }
    },
    async reports(name) {
      await row(name);
      return listExperimentReports(pool, name);
    },
    async assignment(name) {
      const r = await row(name);
      const d = r.definition;
      return { name, salt: saltOf(d), unit: d.unit, primary: d.primary, variants: d.variants, status: r.status, stoppedVariants: Object.keys(r.stoppedVariants) };
    },
    async ingest(windows) {
      const by = new Map<string, VariantWindow[]>();
      for (const w of windows) by.set(w.experiment, [...(by.get(w.experiment) ?? []), w]);
      let forwarded = 0;
      const unknown: string[] = [];
      for (const [name, list] of by) {
        try {
          await client.workflow.getHandle(experimentWorkflowId(name)).signal(variantWindowsSignal, list);
          forwarded += list.length;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) unknown.push(name);
          else throw err;
        }
      }
      return { forwarded, unknown };
    },
  };
}
