// What start-up does with an experiment listed in vigil.config.yaml, decided from the definition in
// the config and the one stored (if any). The config only ever creates: a running experiment is
// changed through the API/CLI (pause, stop, a new name), never by editing a file and restarting,
// because a silent redefinition mid-experiment would invalidate the test it is running.
import type { ExperimentDefinition } from './definition';

export type ConfiguredExperimentAction = 'create' | 'unchanged' | 'differs';

/** JSON with keys sorted at every level and undefined dropped, so a jsonb round trip compares equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function sameDefinition(a: ExperimentDefinition, b: ExperimentDefinition): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export function configuredExperimentAction(wanted: ExperimentDefinition, stored: ExperimentDefinition | null): ConfiguredExperimentAction {
  if (stored === null) return 'create';
  return sameDefinition(wanted, stored) ? 'unchanged' : 'differs';
}
