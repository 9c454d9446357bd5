import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, formatIssues, type VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';

const DEFAULT_FILES = ['vigil.config.yaml', 'vigil.config.yml', 'vigil.config.json'];

/** Which file the config comes from: VIGIL_CONFIG, else the first default file in the working directory, else none. */
export function configPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  if (env.VIGIL_CONFIG) return path.resolve(cwd, env.VIGIL_CONFIG);
  return DEFAULT_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
}

function setIn(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

// Deployment-specific settings that operators set per environment rather than in the shared file.
const ENV_OVERRIDES: Array<[string, string[], (v: string) => unknown]> = [
  ['TEMPORAL_ADDRESS', ['temporal', 'address'], String],
  ['TEMPORAL_NAMESPACE', ['temporal', 'namespace'], String],
  ['TEMPORAL_UI_URL', ['temporal', 'uiUrl'], String],
  ['VIGIL_API_HOST', ['api', 'host'], String],
  ['VIGIL_API_PORT', ['api', 'port'], Number],
  ['VIGIL_SLACK_PORT', ['slack', 'port'], Number],
];

/** Validates a raw config object (file contents plus env overrides); throws config_invalid naming each bad field. */
export function parseConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const obj: Record<string, unknown> = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new VigilError('config_invalid', `${source}: the top level must be a mapping of settings`);
  }
  for (const [name, keys, convert] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      const clone = JSON.parse(JSON.stringify(obj[keys[0]!] ?? {})) as Record<string, unknown>;
      obj[keys[0]!] = clone;
      setIn(obj, keys, convert(v));
    }
  }
  const result = configSchema.safeParse(obj);
  if (!result.success) {
    const lines = formatIssues(result.error);
    throw new VigilError('config_invalid', `invalid configuration in ${source}:\n  ${lines.join('\n  ')}`, { issues: lines });
  }
  return result.data;
}

/** Loads and validates the config; with no file, the defaults (console channel, default policy). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { config: VigilConfig; source: string } {
  const file = configPath(env, cwd);
  if (!file) return { config: parseConfig({}, 'defaults', env), source: 'defaults (no vigil.config.yaml)' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('config_invalid', `cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new VigilError('config_invalid', `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return { config: parseConfig(raw ?? {}, file, env), source: file };
}
