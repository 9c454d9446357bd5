import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../app/config-file';
import { createLogger, type Logger } from '../app/logger';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';
import { DEV_STATE_FILE } from './stack/dev-state-file';
import { PROJECT_ROOT } from './stack/temporal-binary';

/** Where local state lives: VIGIL_DATA_DIR, else .vigil/ in the checkout. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.VIGIL_DATA_DIR ?? path.join(PROJECT_ROOT, '.vigil'));
}

interface DevState {
  databaseUrl?: string;
  temporalAddress?: string;
  namespace?: string;
  apiUrl?: string;
}

function devState(env: NodeJS.ProcessEnv): DevState {
  const file = path.join(dataDir(env), 'dev', DEV_STATE_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as DevState;
  } catch {
    return {};
  }
}

/** What every command needs: validated config, a logger, and where to find Postgres and Temporal. */
export interface CliContext {
  config: VigilConfig;
  configSource: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** DATABASE_URL, else the running `vigil dev`'s database. */
  databaseUrl(): string;
  /** TEMPORAL_ADDRESS, else the running `vigil dev`'s server, else the config's address. */
  temporalAddress(): string;
}

/** Loads config first, so a bad file stops every command before it touches anything. */
export function createContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const { config, source } = loadConfig(env);
  const logger = createLogger();
  return {
    config,
    configSource: source,
    logger,
    env,
    databaseUrl() {
      const url = env.DATABASE_URL ?? devState(env).databaseUrl;
      if (!url) throw new VigilError('unavailable', 'No database: start the stack with `npm start` in another terminal, or set DATABASE_URL.');
      return url;
    },
    temporalAddress() {
      return env.TEMPORAL_ADDRESS ?? devState(env).temporalAddress ?? config.temporal.address;
    },
  };
}
