import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config-file';

describe('vigil.config.example.yaml', () => {
  it('is a valid config (the README points newcomers at it)', () => {
    const { config } = loadConfig({ VIGIL_CONFIG: path.resolve(__dirname, '..', '..', 'vigil.config.example.yaml') });
    expect(config.escalationPolicies.default!.levels.map((l) => l.delay)).toEqual([0, 300_000]);
    expect(Object.keys(config.channels)).toEqual(['console', 'slack-incidents', 'email-oncall', 'pagerduty', 'teams', 'hook']);
    expect(config.channels['slack-incidents']).toMatchObject({ type: 'slack', channel: 'C0123456789' });
  });
});
