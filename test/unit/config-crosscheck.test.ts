import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { VigilError } from '../../domain/errors';

// Every call passes its own env, so the developer's shell cannot leak in.
const NO_ENV: NodeJS.ProcessEnv = {};

/** The "path: message" lines of a config_invalid error, or a failure if the config parsed. */
function issues(raw: unknown): string[] {
  try {
    parseConfig(raw, 'vigil.config.yaml', NO_ENV);
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('config_invalid');
    return (err as VigilError).details!.issues as string[];
  }
  throw new Error('expected config_invalid, got a config');
}

/** A small valid base the cases break one thing at a time. */
const base = {
  channels: { console: { type: 'console' }, ops: { type: 'slack', channel: 'C0OPS' } },
  escalationPolicies: {
    default: { levels: [{ delay: 0, targets: ['console'] }] },
    p: { levels: [{ delay: 0, targets: ['console', 'ops'] }] },
  },
  users: { alice: { email: 'alice@example.com', notify: ['ops'] } },
};
const layer = (users: string[]) => ({ name: 'rota', users, rotation: 'daily', start: '2024-01-01' });

describe('config cross-checks', () => {
  const cases: Array<{ name: string; raw: Record<string, unknown>; want: Array<[path: string, message: string]> }> = [
    // A route naming an undefined policy: the path pins the route by index.
    {
      name: 'route policy',
      raw: { ...base, routes: { routes: [{ matchers: ['service="a"'], policy: 'p' }, { matchers: ['service="b"'], policy: 'nope' }] } },
      want: [['routes.routes.1.policy', 'names policy "nope", which escalationPolicies does not define (known: default, p)']],
    },
    // The root route's own policy.
    { name: 'root route policy', raw: { ...base, routes: { policy: 'nope' } }, want: [['routes.policy', 'names policy "nope", which escalationPolicies does not define (known: default, p)']] },
    // A nested route, two levels down.
    {
      name: 'nested route policy',
      raw: { ...base, routes: { routes: [{ matchers: ['service="a"'], routes: [{ matchers: ['severity="critical"'], policy: 'pager' }] }] } },
      want: [['routes.routes.0.routes.0.policy', 'names policy "pager", which escalationPolicies does not define (known: default, p)']],
    },
    // The default policy must exist too.
    { name: 'defaultPolicy', raw: { ...base, incidents: { defaultPolicy: 'nope' } }, want: [['incidents.defaultPolicy', 'names policy "nope", which escalationPolicies does not define (known: default, p)']] },
    // A fallback naming no channel.
    {
      name: 'fallback to an unknown channel',
      raw: { ...base, channels: { ...base.channels, x: { type: 'console', fallback: 'nowhere' } } },
      want: [['channels.x.fallback', 'fallback "nowhere" is not a configured channel']],
    },
    // A channel falling back to itself: one issue, not also "unknown".
    {
      name: 'fallback to itself',
      raw: { ...base, channels: { ...base.channels, x: { type: 'console', fallback: 'x' } } },
      want: [['channels.x.fallback', 'a channel cannot fall back to itself']],
    },
    // A user reachable through a channel that does not exist; the index pins which one.
    {
      name: 'user notify channel',
      raw: { ...base, users: { alice: { notify: ['sms'] } } },
      want: [['users.alice.notify.0', '"sms" is not a configured channel']],
    },
    // Only the unknown one of several.
    {
      name: 'second user notify channel',
      raw: { ...base, users: { alice: { notify: ['ops', 'sms'] } } },
      want: [['users.alice.notify.1', '"sms" is not a configured channel']],
    },
    // A policy target that is not a channel.
    {
      name: 'unknown channel target',
      raw: { ...base, escalationPolicies: { ...base.escalationPolicies, p: { levels: [{ delay: 0, targets: ['console', 'sms'] }] } } },
      want: [['escalationPolicies.p.levels.0.targets.1', 'target "sms" is not a configured channel (known: console, ops); people are "user:<name>", schedules "oncall:<name>"']],
    },
    // A user target naming nobody.
    {
      name: 'user:nobody',
      raw: { ...base, escalationPolicies: { ...base.escalationPolicies, p: { levels: [{ delay: 0, targets: ['console', 'user:nobody'] }] } } },
      want: [['escalationPolicies.p.levels.0.targets.1', 'target "user:nobody" names no user in users (known: alice)']],
    },
    // An on-call target naming no schedule; with none defined the list says "none".
    {
      name: 'oncall:none',
      raw: { ...base, escalationPolicies: { ...base.escalationPolicies, p: { levels: [{ delay: 0, targets: ['console', 'oncall:none'] }] } } },
      want: [['escalationPolicies.p.levels.0.targets.1', 'target "oncall:none" names no schedule in schedules (known: none)']],
    },
    // A later level, a later target.
    {
      name: 'second level',
      raw: { ...base, escalationPolicies: { ...base.escalationPolicies, p: { levels: [{ delay: 0, targets: ['console'] }, { delay: '5m', targets: ['ops', 'user:bob'] }] } } },
      want: [['escalationPolicies.p.levels.1.targets.1', 'target "user:bob" names no user in users (known: alice)']],
    },
    // A schedule layer naming someone not in users.
    {
      name: 'schedule layer user',
      raw: { ...base, schedules: { primary: { timezone: 'UTC', layers: [layer(['alice', 'bob'])] } } },
      want: [['schedules.primary.layers.0.users.1', '"bob" is not in users (known: alice); define how to reach them there']],
    },
    // A schedule override naming someone not in users.
    {
      name: 'schedule override user',
      raw: { ...base, schedules: { primary: { timezone: 'UTC', layers: [layer(['alice'])], overrides: [{ user: 'carol', start: '2024-06-01T00:00Z', end: '2024-06-02T00:00Z' }] } } },
      want: [['schedules.primary.overrides.0.user', '"carol" is not in users (known: alice); define how to reach them there']],
    },
    // With no users at all the list says "none".
    {
      name: 'schedule with no users defined',
      raw: { ...base, users: {}, schedules: { primary: { timezone: 'UTC', layers: [layer(['alice'])] } } },
      want: [['schedules.primary.layers.0.users.0', '"alice" is not in users (known: none); define how to reach them there']],
    },
    // Several problems are all reported at once, in check order.
    {
      name: 'several at once',
      raw: {
        ...base,
        channels: { ...base.channels, x: { type: 'console', fallback: 'x' } },
        escalationPolicies: { ...base.escalationPolicies, p: { levels: [{ delay: 0, targets: ['user:nobody', 'oncall:none'] }] } },
        users: { alice: { notify: ['sms'] } },
        routes: { routes: [{ matchers: ['service="a"'], policy: 'nope' }] },
      },
      want: [
        ['routes.routes.0.policy', 'names policy "nope", which escalationPolicies does not define (known: default, p)'],
        ['escalationPolicies.p.levels.0.targets.0', 'target "user:nobody" names no user in users (known: alice)'],
        ['escalationPolicies.p.levels.0.targets.1', 'target "oncall:none" names no schedule in schedules (known: none)'],
        ['channels.x.fallback', 'a channel cannot fall back to itself'],
        ['users.alice.notify.0', '"sms" is not a configured channel'],
      ],
    },
  ];
  it.each(cases)('$name', ({ raw, want }) => {
    expect(issues(raw)).toEqual(want.map(([path, message]) => `${path}: ${message}`));
  });

  it('checks targets against the default policy built from the channels too', () => {
    // No escalationPolicies: the built-in default targets every channel, so it is valid by construction.
    expect(() => parseConfig({ channels: { console: { type: 'console' }, ops: { type: 'slack', channel: 'C0OPS' } } }, 'test', NO_ENV)).not.toThrow();
  });
});

describe('a full valid config', () => {
  const raw = {
    incidents: { reopenWindow: '10m', defaultPolicy: 'default', muteRecheck: '1m' },
    channels: {
      console: { type: 'console' },
      'ops-slack': { type: 'slack', channel: 'C0OPS', fallback: 'ops-email' },
      'ops-email': { type: 'email', to: ['ops@example.com'], fallback: 'console' },
      pd: { type: 'pagerduty', fallback: 'ops-slack' },
      hook: { type: 'webhook', url: 'https://hooks.example.com/vigil' },
    },
    users: {
      alice: { name: 'Alice Example', email: 'alice@example.com', slackId: 'U0ALICE', notify: ['ops-slack', 'ops-email'] },
      bob: { email: 'bob@example.com', notify: ['pd', 'ops-email'] },
      carol: { name: 'Carol', slackId: 'W0CAROL', notify: ['ops-slack'] },
    },
    schedules: {
      // Weekly rotation from Monday 2024-03-04, office-hours secondary layer, one override.
      primary: {
        timezone: 'Europe/Berlin',
        layers: [
          { name: 'weekly', users: ['alice', 'bob'], rotation: 'weekly', handoff: '10:00', start: '2024-03-04' },
          { name: 'office', users: ['carol'], rotation: 'daily', start: '2024-03-04', restrictions: [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], from: '09:00', to: '17:00' }] },
        ],
        overrides: [{ user: 'carol', start: '2024-06-01T00:00+02:00', end: '2024-06-02T00:00+02:00' }],
      },
    },
    escalationPolicies: {
      default: { levels: [{ delay: 0, targets: ['console'] }] },
      search: {
        levels: [
          { delay: 0, targets: ['oncall:primary', 'ops-slack'] },
          { delay: '10m', targets: ['user:alice', 'pd'] },
        ],
        repeat: 'until-acknowledged',
        ackTimeout: '1h',
      },
      sre: { levels: [{ delay: 0, targets: ['pd', 'hook'] }], repeat: 2, repeatDelay: '15m' },
    },
    routes: {
      routes: [
        { matchers: ['kind="availability_sla"'], policy: 'sre', continue: true },
        { matchers: ['service=~"search|rerank"'], policy: 'search', routes: [{ matchers: ['severity="info"'], policy: 'default' }] },
      ],
    },
    silences: [
      {
        matchers: ['service="rerank"', 'dimension=~"p9[59]"'],
        startsAt: '2024-06-01T00:00:00Z',
        endsAt: '2024-06-08T00:00:00Z',
        createdBy: 'alice',
        comment: 'rerank model migration',
      },
    ],
    inhibitRules: [{ sourceMatchers: ['kind="availability_sla"'], targetMatchers: ['kind="response_time_sla"'], equal: ['service'] }],
  };

  it('parses without issues', () => {
    expect(() => parseConfig(raw, 'vigil.config.yaml', NO_ENV)).not.toThrow();
  });

  it('parses matchers, times and durations into their runtime forms', () => {
    const cfg = parseConfig(raw, 'vigil.config.yaml', NO_ENV);
    // Routes: matcher text parsed, continue and children defaulted.
    expect(cfg.routes.routes[0]).toEqual({ matchers: [{ name: 'kind', op: '=', value: 'availability_sla' }], policy: 'sre', continue: true, routes: [] });
    expect(cfg.routes.routes[1]!.routes[0]!.matchers).toEqual([{ name: 'severity', op: '=', value: 'info' }]);
    // Silences: ISO times become epoch ms.
    expect(cfg.silences[0]).toMatchObject({ startsAt: Date.parse('2024-06-01T00:00:00Z'), endsAt: Date.parse('2024-06-08T00:00:00Z') });
    expect(cfg.silences[0]!.matchers[1]).toEqual({ name: 'dimension', op: '=~', value: 'p9[59]' });
    // Inhibit rules.
    expect(cfg.inhibitRules).toEqual([
      { sourceMatchers: [{ name: 'kind', op: '=', value: 'availability_sla' }], targetMatchers: [{ name: 'kind', op: '=', value: 'response_time_sla' }], equal: ['service'] },
    ]);
    // Policies: durations in ms, defaults filled.
    expect(cfg.escalationPolicies.search).toEqual({
      levels: [
        { delay: 0, targets: ['oncall:primary', 'ops-slack'] },
        { delay: 10 * 60_000, targets: ['user:alice', 'pd'] },
      ],
      repeat: 'until-acknowledged',
      repeatDelay: 5 * 60_000,
      ackTimeout: 60 * 60_000,
    });
    // Schedules: defaults for shiftLength, overrides kept.
    expect(cfg.schedules.primary!.layers[0]).toMatchObject({ shiftLength: 1, handoff: '10:00' });
    expect(cfg.schedules.primary!.overrides).toHaveLength(1);
    expect(cfg.incidents.muteRecheck).toBe(60_000);
  });

  it('inhibitRules default equal to []', () => {
    const cfg = parseConfig({ inhibitRules: [{ sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="low"'] }] }, 'test', NO_ENV);
    expect(cfg.inhibitRules[0]!.equal).toEqual([]);
  });
});
