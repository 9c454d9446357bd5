import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { policyFor } from '../../app/incident-service';
import { mergePolicies } from '../../domain/escalation-policy';
import { incidentLabels } from '../../domain/matchers';
import { route, routeSchema, type Route } from '../../domain/routing';
import { violationSchema, type ViolationInput } from '../../domain/violation';

// A tree in the style of Alertmanager's docs example: catch-alls with `continue` first, then teams,
// each team with more specific routes underneath. The root sets no policy, so it falls back to the default.
const tree: Route = routeSchema.parse({
  routes: [
    // routes.routes.0: every outage also goes to SRE, and routing continues so the owning team hears too.
    { matchers: ['kind="availability_sla"'], policy: 'sre', continue: true },
    // routes.routes.1: anything critical also reaches the incident managers, continuing as well.
    { matchers: ['severity="critical"'], policy: 'managers', continue: true },
    // routes.routes.2: the search team owns search and rerank.
    {
      matchers: ['service=~"search|rerank"'],
      policy: 'search-team',
      routes: [
        // routes.routes.2.routes.0: critical search alerts page the search on-call directly.
        { matchers: ['severity="critical"'], policy: 'search-oncall' },
        // routes.routes.2.routes.1: quality alerts are split out but keep the team's policy (none set here).
        { matchers: ['kind="quality_sla"'] },
      ],
    },
    // routes.routes.3: ingest belongs to the data team; its p99 latency has its own policy.
    {
      matchers: ['service="ingest"'],
      policy: 'data-team',
      routes: [{ matchers: ['dimension="p99"'], policy: 'data-latency' }],
    },
    // routes.routes.4: anything labelled team=db, wherever it comes from.
    { matchers: ['team="db"'], policy: 'db-team' },
  ],
});

/** The labels an incident routes on, built the way policyFor builds them. */
const alert = (a: { service: string; kind?: string; dimension?: string; severity?: string; labels?: Record<string, string> }) =>
  incidentLabels({ kind: 'response_time_sla', dimension: 'p95', severity: 'high', labels: {}, ...a });

describe('route: a realistic tree', () => {
  const cases: Array<{ name: string; labels: Record<string, string>; want: Array<[policy: string, path: string]> }> = [
    // Nothing matches: the root takes it with the default policy.
    { name: 'default fallback', labels: alert({ service: 'chat' }), want: [['default', 'routes']] },
    // A team route, no children matching: the team's policy at the team's node.
    { name: 'team route', labels: alert({ service: 'search' }), want: [['search-team', 'routes.routes.2']] },
    // Regex alternation in the team route.
    { name: 'team route via regex', labels: alert({ service: 'rerank' }), want: [['search-team', 'routes.routes.2']] },
    // Anchored regex: "search-ui" is not search.
    { name: 'anchored regex does not over-match', labels: alert({ service: 'search-ui' }), want: [['default', 'routes']] },
    // search also labelled team=db: the first matching route without continue wins, db-team never sees it.
    { name: 'first match wins without continue', labels: alert({ service: 'search', labels: { team: 'db' } }), want: [['search-team', 'routes.routes.2']] },
    // team=db on a service no earlier route owns reaches the later route.
    { name: 'later sibling when earlier ones miss', labels: alert({ service: 'postgres', labels: { team: 'db' } }), want: [['db-team', 'routes.routes.4']] },
    // An outage on search: SRE (continue) and then the search team both get it, in tree order.
    {
      name: 'continue collects several',
      labels: alert({ service: 'search', kind: 'availability_sla' }),
      want: [['sre', 'routes.routes.0'], ['search-team', 'routes.routes.2']],
    },
    // A critical outage on search: SRE, managers (both continue) and the search on-call (deepest under search).
    {
      name: 'two continues then a nested route',
      labels: alert({ service: 'search', kind: 'availability_sla', severity: 'critical' }),
      want: [['sre', 'routes.routes.0'], ['managers', 'routes.routes.1'], ['search-oncall', 'routes.routes.2.routes.0']],
    },
    // An outage nobody owns: only SRE. The root does not also apply, because a child took the alert.
    { name: 'continue route alone, root not added', labels: alert({ service: 'chat', kind: 'availability_sla' }), want: [['sre', 'routes.routes.0']] },
    // The deepest match wins over its parent: critical rerank goes to the search on-call, not the team.
    { name: 'deepest match wins', labels: alert({ service: 'rerank', severity: 'critical' }), want: [['managers', 'routes.routes.1'], ['search-oncall', 'routes.routes.2.routes.0']] },
    // A nested route without a policy inherits the parent's, but the path names the nested node.
    { name: 'nested route inherits the parent policy', labels: alert({ service: 'search', kind: 'quality_sla' }), want: [['search-team', 'routes.routes.2.routes.1']] },
    // First matching child wins among children too: critical quality on search stops at the critical child.
    {
      name: 'first matching child wins',
      labels: alert({ service: 'search', kind: 'quality_sla', severity: 'critical' }),
      want: [['managers', 'routes.routes.1'], ['search-oncall', 'routes.routes.2.routes.0']],
    },
    // ingest p99: the nested data-latency route.
    { name: 'nested route with its own policy', labels: alert({ service: 'ingest', dimension: 'p99' }), want: [['data-latency', 'routes.routes.3.routes.0']] },
    // ingest p95: the nested route misses, the parent applies itself.
    { name: 'parent applies when no child matches', labels: alert({ service: 'ingest', dimension: 'p95' }), want: [['data-team', 'routes.routes.3']] },
    // p99 on a service the ingest route does not match: its child is hidden behind it.
    { name: 'non-matching parent hides its children', labels: alert({ service: 'chat', dimension: 'p99' }), want: [['default', 'routes']] },
    // quality on chat: the quality child lives under search, so it is hidden too.
    { name: 'non-matching parent hides an inheriting child', labels: alert({ service: 'chat', kind: 'quality_sla' }), want: [['default', 'routes']] },
  ];
  it.each(cases)('$name', ({ labels, want }) => {
    expect(route(tree, labels, 'default').map((r) => [r.policy, r.path])).toEqual(want);
  });
});

describe('route: the root', () => {
  const cases: Array<{ name: string; root: Parameters<typeof routeSchema.parse>[0]; labels: Record<string, string>; want: Array<[string, string]> }> = [
    // An empty tree (the config default) sends everything to the default policy.
    { name: 'empty tree', root: {}, labels: alert({ service: 'search' }), want: [['default', 'routes']] },
    // A root policy replaces the default policy as the fallback.
    { name: 'root policy is the fallback', root: { policy: 'catch-all', routes: [{ matchers: ['service="x"'], policy: 'x' }] }, labels: alert({ service: 'search' }), want: [['catch-all', 'routes']] },
    // Children without a policy inherit the root's, not the default.
    { name: 'children inherit the root policy', root: { policy: 'catch-all', routes: [{ matchers: ['service="search"'] }] }, labels: alert({ service: 'search' }), want: [['catch-all', 'routes.routes.0']] },
    // The root always matches, whatever matchers it was given.
    { name: 'root matchers are ignored', root: { matchers: ['service="nope"'] }, labels: alert({ service: 'search' }), want: [['default', 'routes']] },
    // A last child with continue that matches alone still takes the alert from the root.
    { name: 'continue on the only matching child', root: { routes: [{ matchers: ['service="search"'], policy: 'a', continue: true }] }, labels: alert({ service: 'search' }), want: [['a', 'routes.routes.0']] },
    // Two continue routes with the same policy give two matches (policyFor dedupes the names).
    {
      name: 'same policy twice via continue',
      root: { routes: [{ matchers: ['service="search"'], policy: 'a', continue: true }, { matchers: ['severity="high"'], policy: 'a' }] },
      labels: alert({ service: 'search' }),
      want: [['a', 'routes.routes.0'], ['a', 'routes.routes.1']],
    },
  ];
  it.each(cases)('$name', ({ root, labels, want }) => {
    expect(route(routeSchema.parse(root), labels, 'default').map((r) => [r.policy, r.path])).toEqual(want);
  });
});

describe('policyFor', () => {
  const config = parseConfig(
    {
      channels: { console: { type: 'console' }, ops: { type: 'slack', channel: 'C0OPS' } },
      escalationPolicies: {
        default: { levels: [{ delay: 0, targets: ['console'] }] },
        a: { levels: [{ delay: '1m', targets: ['console'] }, { delay: '5m', targets: ['ops'] }], repeat: 1, repeatDelay: '10m' },
        b: { levels: [{ delay: 0, targets: ['ops'] }], repeat: 'until-acknowledged', repeatDelay: '2m', ackTimeout: '30m' },
      },
      routes: {
        routes: [
          // Outages go to a and continue.
          { matchers: ['kind="availability_sla"'], policy: 'a', continue: true },
          // Search goes to b.
          { matchers: ['service="search"'], policy: 'b' },
          // Latency on rerank also goes to a (a second route naming the same policy).
          { matchers: ['service="rerank"'], policy: 'a' },
        ],
      },
    },
    'test',
    {},
  );
  const violation = (v: Partial<ViolationInput>) =>
    violationSchema.parse({ service: 'chat', kind: 'response_time_sla', severity: 'high', title: 'slow', ...v });

  it('merges the policies of every continue match and names the result after all of them', () => {
    const got = policyFor(config, violation({ service: 'search', kind: 'availability_sla' }));
    expect(got.policyName).toBe('a+b');
    expect(got.matches).toEqual([
      { policy: 'a', path: 'routes.routes.0' },
      { policy: 'b', path: 'routes.routes.1' },
    ]);
    expect(got.policy).toEqual(mergePolicies([config.escalationPolicies.a!, config.escalationPolicies.b!]));
    // Spelled out: level 1 is the union at the shorter delay; the most insistent repeat and shortest pauses win.
    expect(got.policy).toEqual({
      levels: [
        { delay: 0, targets: ['console', 'ops'] },
        { delay: 5 * 60_000, targets: ['ops'] },
      ],
      repeat: 'until-acknowledged',
      repeatDelay: 2 * 60_000,
      ackTimeout: 30 * 60_000,
    });
  });

  it('uses one policy unchanged when one route matches', () => {
    const got = policyFor(config, violation({ service: 'search' }));
    expect(got).toEqual({ policyName: 'b', policy: config.escalationPolicies.b, matches: [{ policy: 'b', path: 'routes.routes.1' }] });
  });

  it('names a policy once when two matched routes share it', () => {
    const got = policyFor(config, violation({ service: 'rerank', kind: 'availability_sla' }));
    expect(got.matches.map((m) => m.policy)).toEqual(['a', 'a']);
    expect(got.policyName).toBe('a');
    expect(got.policy).toEqual(config.escalationPolicies.a);
  });

  it('falls back to incidents.defaultPolicy when no route matches', () => {
    const got = policyFor(config, violation({ service: 'chat' }));
    expect(got).toEqual({ policyName: 'default', policy: config.escalationPolicies.default, matches: [{ policy: 'default', path: 'routes' }] });
  });

  it('routes on the violation\'s own labels too', () => {
    const withLabel = parseConfig(
      { routes: { routes: [{ matchers: ['team="db"'], policy: 'default' }] }, escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } } },
      'test',
      {},
    );
    expect(policyFor(withLabel, violation({ labels: { team: 'db' } })).matches).toEqual([{ policy: 'default', path: 'routes.routes.0' }]);
  });
});
