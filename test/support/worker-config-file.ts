import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { VigilConfig, VigilConfigInput } from '../../domain/config';
import { testConfig, type Services } from './integration';

/**
 * A config for a `vigil worker` spawned as its own process: written to `dir` on a task queue of the
 * test's own, with the environment that process needs to find it and the shared services.
 */
export function workerConfigFile(dir: string, input: VigilConfigInput, services: Services, secrets: NodeJS.ProcessEnv): { config: VigilConfig; env: NodeJS.ProcessEnv } {
  const config = testConfig(input, services);
  const file = path.join(dir, 'vigil.config.yaml');
  fs.writeFileSync(file, stringify({ ...input, temporal: { taskQueue: config.temporal.taskQueue } }));
  return { config, env: { VIGIL_CONFIG: file, DATABASE_URL: services.databaseUrl, TEMPORAL_ADDRESS: services.temporalAddress, ...secrets } };
}
