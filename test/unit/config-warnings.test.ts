import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { configWarnings } from '../../domain/config-warnings';

const channels = { console: { type: 'console' }, team: { type: 'slack', channel: 'C0TEAM' }, mail: { type: 'email', to: ['ops@example.com'] } };
const parse = (input: Record<string, unknown>) => parseConfig({ channels, ...input }, 'test', {});

describe('configWarnings', () => {
  it('is quiet for a sensible config', () => {
    const config = parse({
      users: { alice: { email: 'alice@example.com', slackId: 'U0ALICE', notify: ['team', 'mail'] } },
      routes: { routes: [{ matchers: ['team="search"'], continue: false }] },
      inhibitRules: [{ sourceMatchers: ['kind="availability_sla"'], targetMatchers: ['kind="response_time_sla"'], equal: ['service', 'team'] }],
    });
    expect(configWarnings(config)).toEqual([]);
  });

  it('flags an inhibit `equal` label that no incident has and no matcher mentions (it would mute across every value)', () => {
    const config = parse({ inhibitRules: [{ sourceMatchers: ['kind="availability_sla"'], targetMatchers: ['kind="response_time_sla"'], equal: ['servce'] }] });
    const [w, ...rest] = configWarnings(config);
    expect(rest).toEqual([]);
    expect(w!.path).toBe('inhibitRules.0.equal.0');
    expect(w!.message).toMatch(/"servce" is neither a label every incident has \(service, kind, dimension, severity\)/);
  });

  it('flags users reached through a channel they have no address on', () => {
    const config = parse({ users: { bob: { notify: ['console', 'team', 'mail'] } } });
    expect(configWarnings(config)).toEqual([
      { path: 'users.bob.notify.1', message: expect.stringMatching(/Slack channel but the user has no slackId: paging them posts in the team channel/) },
      { path: 'users.bob.notify.2', message: expect.stringMatching(/email channel but the user has no email: paging them mails the channel's own recipients/) },
    ]);
  });
});
