import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { VigilError } from '../../domain/errors';
import { configuredExperimentAction } from '../../domain/experiments/config-sync';
import { experimentDefinitionSchema } from '../../domain/experiments/definition';

const NO_ENV: NodeJS.ProcessEnv = {};
const XP = { name: 'reranker-v2', service: 'search-rag', variants: [{ name: 'control', weight: 0.5 }, { name: 'rerank', weight: 0.5 }], primary: 'quality', mde: 0.05 };

function issues(raw: object): string[] {
  try {
    parseConfig(raw, 'test', NO_ENV);
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('config_invalid');
    return (err as VigilError & { details: { issues: string[] } }).details.issues;
  }
  throw new Error('expected config_invalid, got a config');
}

describe('experiments in the config', () => {
  it('is optional: no experiments by default', () => {
    expect(parseConfig({}, 'test', NO_ENV).experiments).toEqual([]);
  });

  it('parses each definition with the same schema (and defaults) as the API and CLI', () => {
    const cfg = parseConfig({ experiments: [XP] }, 'test', NO_ENV);
    expect(cfg.experiments).toEqual([experimentDefinitionSchema.parse(XP)]);
    expect(cfg.experiments[0]).toMatchObject({ unit: 'user', alpha: 0.05, power: 0.8 });
  });

  it('names the bad field: experiments.<i>.<field>', () => {
    const bad = issues({ experiments: [XP, { ...XP, name: 'other', variants: [{ name: 'control', weight: 0.7 }, { name: 'b', weight: 0.7 }] }] });
    expect(bad).toEqual([expect.stringMatching(/^experiments\.1\.variants: weights must sum to 1/)]);
    expect(issues({ experiments: [{ ...XP, primary: 'vibes' }] })).toEqual([expect.stringMatching(/^experiments\.0\.primary: must be one of/)]);
    expect(issues({ experiments: [{ ...XP, colour: 'red' }] })[0]).toMatch(/^experiments\.0/);
  });

  it('rejects a name used twice and a report channel the config does not define', () => {
    expect(issues({ experiments: [XP, XP] })).toEqual([expect.stringMatching(/^experiments\.1\.name: experiment "reranker-v2" is defined twice/)]);
    expect(issues({ experiments: [{ ...XP, reportChannels: ['nowhere'] }] })).toEqual([expect.stringMatching(/^experiments\.0\.reportChannels\.0: "nowhere" is not a configured channel/)]);
  });
});

describe('configuredExperimentAction', () => {
  const wanted = experimentDefinitionSchema.parse(XP);
  it('creates when nothing is stored under the name', () => {
    expect(configuredExperimentAction(wanted, null)).toBe('create');
  });
  it('leaves an equal stored definition alone, whatever order its keys came back from jsonb in', () => {
    const roundTripped = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(wanted).reverse()))) as typeof wanted;
    expect(configuredExperimentAction(wanted, roundTripped)).toBe('unchanged');
  });
  it('reports a stored definition that differs in any field', () => {
    expect(configuredExperimentAction(wanted, { ...wanted, mde: 0.1 })).toBe('differs');
    expect(configuredExperimentAction(wanted, { ...wanted, variants: [{ name: 'control', weight: 0.6 }, { name: 'rerank', weight: 0.4 }] })).toBe('differs');
    expect(configuredExperimentAction(wanted, { ...wanted, salt: 'again' })).toBe('differs');
  });
});
