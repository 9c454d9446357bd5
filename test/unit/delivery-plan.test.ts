import { describe, expect, it } from 'vitest';
import { channelSchema, type ChannelConfig } from '../../domain/config';
import { planTargets, type PlanContext, type PlannedDelivery } from '../../domain/delivery-plan';

const channels: Record<string, ChannelConfig> = {
  console: channelSchema.parse({ type: 'console' }),
  // The team's Slack channel; falls back to the team mailing list.
  'ops-slack': channelSchema.parse({ type: 'slack', channel: 'C0OPS', fallback: 'ops-email' }),
  // The team mailing list.
  'ops-email': channelSchema.parse({ type: 'email', to: ['ops@example.com'] }),
  // PagerDuty has no per-person address; falls back to email.
  pd: channelSchema.parse({ type: 'pagerduty', fallback: 'ops-email' }),
};

const users: PlanContext['users'] = {
  // Email and Slack, with a display name.
  alice: { name: 'Alice Example', email: 'alice@example.com', slackId: 'U0ALICE', notify: ['ops-email', 'ops-slack'] },
  // PagerDuty then email, no display name.
  bob: { email: 'bob@example.com', notify: ['pd', 'ops-email'] },
  // Slack without a Slack ID.
  carol: { name: 'Carol', notify: ['ops-slack'] },
};

/** Who the fake schedules say is on call. */
const rota: Record<string, { user: string; until: number | null } | null> = {
  primary: { user: 'bob', until: null },
  secondary: { user: 'alice', until: Date.parse('2024-06-03T09:00:00Z') },
  // A gap in coverage.
  nights: null,
  // A schedule naming someone the users section lacks (config validation normally prevents this).
  broken: { user: 'zed', until: null },
};
const ctx: PlanContext = { channels, users, onCall: (schedule) => rota[schedule] ?? null };

describe('planTargets', () => {
  const cases: Array<{ name: string; targets: string[]; deliveries: PlannedDelivery[]; paged: string[] }> = [
    // A channel target is sent as it is, under its own name.
    { name: 'channel', targets: ['console'], deliveries: [{ key: 'console', channel: 'console' }], paged: [] },
    // The channel's fallback comes from its config.
    { name: 'channel with fallback', targets: ['ops-slack'], deliveries: [{ key: 'ops-slack', channel: 'ops-slack', fallback: 'ops-email' }], paged: [] },
    // Several channels, in target order.
    {
      name: 'several channels in order',
      targets: ['pd', 'console'],
      deliveries: [{ key: 'pd', channel: 'pd', fallback: 'ops-email' }, { key: 'console', channel: 'console' }],
      paged: [],
    },
    // The same channel twice is sent once.
    { name: 'duplicate channel', targets: ['console', 'console'], deliveries: [{ key: 'console', channel: 'console' }], paged: [] },
    // A user with email and Slack: personal addresses on each (email → address, Slack → user ID for a DM), fallbacks kept.
    {
      name: 'user with email and Slack',
      targets: ['user:alice'],
      deliveries: [
        { key: 'user:alice/ops-email', channel: 'ops-email', address: 'alice@example.com' },
        { key: 'user:alice/ops-slack', channel: 'ops-slack', address: 'U0ALICE', fallback: 'ops-email' },
      ],
      paged: ['user:alice → Alice Example via ops-email, ops-slack'],
    },
    // PagerDuty has no personal address; the paged line uses the user key when there is no display name.
    {
      name: 'user via PagerDuty and email',
      targets: ['user:bob'],
      deliveries: [
        { key: 'user:bob/pd', channel: 'pd', fallback: 'ops-email' },
        { key: 'user:bob/ops-email', channel: 'ops-email', address: 'bob@example.com' },
      ],
      paged: ['user:bob → bob via pd, ops-email'],
    },
    // Without a slackId the user's Slack delivery has no address, i.e. it posts in the channel itself.
    {
      name: 'user on Slack without a slackId',
      targets: ['user:carol'],
      deliveries: [{ key: 'user:carol/ops-slack', channel: 'ops-slack', fallback: 'ops-email' }],
      paged: ['user:carol → Carol via ops-slack'],
    },
    // On call: whoever the schedule names now, reached through their own channels; the key says both.
    {
      name: 'oncall',
      targets: ['oncall:primary'],
      deliveries: [
        { key: 'oncall:primary/bob/pd', channel: 'pd', fallback: 'ops-email' },
        { key: 'oncall:primary/bob/ops-email', channel: 'ops-email', address: 'bob@example.com' },
      ],
      paged: ['oncall:primary/bob → bob via pd, ops-email'],
    },
    // Nobody on call: no delivery, and the timeline says so.
    { name: 'nobody on call', targets: ['oncall:nights'], deliveries: [], paged: ['oncall:nights: nobody is on call right now'] },
    // An unknown schedule reads as nobody on call (the plan activity's onCall returns null for it).
    { name: 'unknown schedule', targets: ['oncall:nope'], deliveries: [], paged: ['oncall:nope: nobody is on call right now'] },
    // An unknown user: no delivery, and a paged line saying nobody was paged.
    { name: 'unknown user', targets: ['user:nobody'], deliveries: [], paged: ['user:nobody: no user "nobody" in the config; nobody paged'] },
    // A schedule naming an unknown user: same, with the schedule in the prefix.
    { name: 'on-call user unknown', targets: ['oncall:broken'], deliveries: [], paged: ['oncall:broken/zed: no user "zed" in the config; nobody paged'] },
    // The unknown user does not stop the others.
    {
      name: 'unknown user among others',
      targets: ['user:nobody', 'console'],
      deliveries: [{ key: 'console', channel: 'console' }],
      paged: ['user:nobody: no user "nobody" in the config; nobody paged'],
    },
    // The team channel and a user's DM in it are different sends (different keys, the DM has an address): both go out.
    // This is right: the team sees the post, Alice gets a personal notification.
    {
      name: 'team channel and a user DM on the same channel',
      targets: ['ops-slack', 'user:alice'],
      deliveries: [
        { key: 'ops-slack', channel: 'ops-slack', fallback: 'ops-email' },
        { key: 'user:alice/ops-email', channel: 'ops-email', address: 'alice@example.com' },
        { key: 'user:alice/ops-slack', channel: 'ops-slack', address: 'U0ALICE', fallback: 'ops-email' },
      ],
      paged: ['user:alice → Alice Example via ops-email, ops-slack'],
    },
    // Two schedules with different people: everyone is paged, each through their own channels.
    {
      name: 'two schedules',
      targets: ['oncall:primary', 'oncall:secondary'],
      deliveries: [
        { key: 'oncall:primary/bob/pd', channel: 'pd', fallback: 'ops-email' },
        { key: 'oncall:primary/bob/ops-email', channel: 'ops-email', address: 'bob@example.com' },
        { key: 'oncall:secondary/alice/ops-email', channel: 'ops-email', address: 'alice@example.com' },
        { key: 'oncall:secondary/alice/ops-slack', channel: 'ops-slack', address: 'U0ALICE', fallback: 'ops-email' },
      ],
      paged: ['oncall:primary/bob → bob via pd, ops-email', 'oncall:secondary/alice → Alice Example via ops-email, ops-slack'],
    },
    // No targets, no deliveries.
    { name: 'empty', targets: [], deliveries: [], paged: [] },
  ];
  it.each(cases)('$name: $targets', ({ targets, deliveries, paged }) => {
    expect(planTargets(targets, ctx)).toEqual({ deliveries, paged });
  });

  it('asks the schedule once per oncall target, at planning time', () => {
    const asked: string[] = [];
    planTargets(['oncall:primary', 'console', 'oncall:nights'], { ...ctx, onCall: (s) => (asked.push(s), rota[s] ?? null) });
    expect(asked).toEqual(['primary', 'nights']);
  });

  it('follows whoever is on call now: the same policy pages someone else after a handoff', () => {
    const before = planTargets(['oncall:primary'], { ...ctx, onCall: () => ({ user: 'bob', until: null }) });
    const after = planTargets(['oncall:primary'], { ...ctx, onCall: () => ({ user: 'alice', until: null }) });
    expect(before.deliveries.map((d) => d.address)).toEqual([undefined, 'bob@example.com']);
    expect(after.deliveries.map((d) => d.address)).toEqual(['alice@example.com', 'U0ALICE']);
  });

  // Regression: one person reached two ways (user:… and oncall:…) was paged twice.
  it('pages a person once when a user target and an on-call target name the same person', () => {
    const { deliveries } = planTargets(['user:alice', 'oncall:secondary'], ctx);
    const sends = deliveries.map((d) => `${d.channel}→${d.address ?? '(channel)'}`);
    expect(sends).toEqual(['ops-email→alice@example.com', 'ops-slack→U0ALICE']);
  });

  // Regression: a user without a personal address on a team channel doubled the team post.
  it('does not post twice to a channel when a user reached through it has no personal address there', () => {
    const { deliveries } = planTargets(['ops-slack', 'user:carol'], ctx);
    expect(deliveries.filter((d) => d.channel === 'ops-slack' && d.address === undefined)).toHaveLength(1);
  });
});
