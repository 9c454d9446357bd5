// Start-up of `vigil worker` / `vigil dev`: each experiment listed under `experiments:` in the config is
// created if no experiment has its name, and otherwise left alone (domain/experiments/config-sync.ts).
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { getExperiment } from '../db/experiments';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';
import { configuredExperimentAction } from '../domain/experiments/config-sync';
import type { ExperimentDefinition } from '../domain/experiments/definition';
import { createExperimentService } from './experiment-service';

export interface ConfiguredExperiments {
  created: string[];
  unchanged: string[];
  /** Stored under the same name with another definition: kept as stored, a warning names each. */
  differs: string[];
  /** Could not be created now (e.g. Temporal unreachable); the next start tries again. */
  failed: string[];
}

/** Who the experiments table records as the creator of a configured experiment. */
export const CONFIG_CREATOR = 'config';

export async function ensureConfiguredExperiments(deps: { client: Client; pool: Pool; config: VigilConfig; logger: Logger }): Promise<ConfiguredExperiments> {
  const { pool, config } = deps;
  const log = deps.logger.child({ component: 'experiments-config' });
  const service = createExperimentService(deps);
  const out: ConfiguredExperiments = { created: [], unchanged: [], differs: [], failed: [] };
  const settle = async (d: ExperimentDefinition): Promise<keyof ConfiguredExperiments> => {
    const stored = await getExperiment(pool, d.name);
    const action = configuredExperimentAction(d, stored?.definition ?? null);
    if (action === 'unchanged') return 'unchanged';
    if (action === 'differs') return 'differs';
    try {
      await service.create(d, CONFIG_CREATOR);
      return 'created';
    } catch (err) {
      // Another worker starting at the same moment created it first: compare with what it stored.
      if (err instanceof VigilError && err.code === 'invalid_state') {
        const now = await getExperiment(pool, d.name);
        if (now) return configuredExperimentAction(d, now.definition) === 'unchanged' ? 'unchanged' : 'differs';
      }
      throw err;
    }
  };
  for (const d of config.experiments) {
    let result: keyof ConfiguredExperiments;
    try {
      result = await settle(d);
    } catch (err) {
      // One experiment that cannot start must not keep the worker from serving incidents.
      log.error({ err: (err as Error).message, experiment: d.name }, `could not create experiment "${d.name}" from the config; the next start tries again`);
      result = 'failed';
    }
    out[result].push(d.name);
    if (result === 'differs') {
      log.warn(
        { experiment: d.name },
        `experiment "${d.name}" in the config differs from the stored one, which is left unchanged: a running experiment is not redefined from the config. Use the API or CLI (vigil experiments stop ${d.name}, then create it under a new name)`,
      );
    }
  }
  if (out.created.length) log.info({ experiments: out.created }, 'experiments from the config created');
  return out;
}
