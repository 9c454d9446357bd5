import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { groupingFor, policyFor } from '../../app/incident-service';
import { DEFAULT_GROUPING, MAX_DIGEST_MEMBERS } from '../../domain/delivery/grouping';
import { VigilError } from '../../domain/errors';
import { groupingAt, routeSchema } from '../../domain/routing';
import { violationSchema, type ViolationInput } from '../../domain/violation';

const policies = { escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } } };

/** The config error's lines for a route tree, or [] when it parses. */
function problems(routes: unknown): string[] {
  try {
    parseConfig({ ...policies, routes }, 'test', {});
    return [];
  } catch (err) {
    return (err as VigilError).details?.issues as string[];
  }
}

describe('route grouping config', () => {
  it.each([
    // each case: a route tree with one bad grouping, and the line that must name the field and say why
    ['a max over what one digest holds', { routes: [{ matchers: ['service="a"'], grouping: { max: 46 } }] }, /^routes\.routes\.0\.grouping\.max: .*at most 45 incidents/],
    ['a threshold of one', { grouping: { threshold: 1 } }, /^routes\.grouping\.threshold: a digest needs at least 2/],
    ['max below threshold', { grouping: { threshold: 10, max: 5 } }, /^routes\.grouping\.max: max must be at least threshold/],
    ['a wait that is not a duration', { grouping: { wait: 'soon' } }, /^routes\.grouping\.wait: "soon" is not a duration/],
    ['a wait over five minutes', { grouping: { wait: '6m' } }, /^routes\.grouping\.wait: at most 5m/],
    ['true instead of settings', { grouping: true }, /^routes\.grouping: must be false \(never group\) or \{ threshold, max, wait \}/],
    ['an unknown key', { routes: [{ routes: [{ grouping: { size: 3 } }] }] }, /^routes\.routes\.0\.routes\.0\.grouping: Unrecognized key: "size"/],
  ])('refuses %s, naming the field', (_name, routes, line) => {
    const got = problems(routes);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(line);
  });

  it('fills each setting left out with the root default and reads wait as a duration', () => {
    expect(routeSchema.parse({ grouping: { wait: '3s' } }).grouping).toEqual({ ...DEFAULT_GROUPING, waitMs: 3000 });
    expect(routeSchema.parse({ grouping: { threshold: 3, max: MAX_DIGEST_MEMBERS, wait: 250 } }).grouping).toEqual({ threshold: 3, max: 45, waitMs: 250 });
    expect(routeSchema.parse({ grouping: false }).grouping).toBe(false);
  });
});

describe('groupingAt', () => {
  const tree = routeSchema.parse({
    routes: [
      // routes.routes.0: sets its own, which its children inherit.
      { matchers: ['service="checkout"'], grouping: { threshold: 3, wait: '2s' }, routes: [{ matchers: ['kind="quality_sla"'] }, { matchers: ['kind="cost"'], grouping: false }] },
      // routes.routes.1: says nothing, so the root's applies.
      { matchers: ['service="search"'] },
      // routes.routes.2: never groups, but a child may turn it back on.
      { matchers: ['service="ingest"'], grouping: false, routes: [{ matchers: ['kind="quality_sla"'], grouping: { max: 10 } }] },
    ],
  });

  it.each([
    // each case: path, the grouping in force there
    ['routes', DEFAULT_GROUPING],
    ['routes.routes.0', { threshold: 3, max: 25, waitMs: 2000 }],
    ['routes.routes.0.routes.0', { threshold: 3, max: 25, waitMs: 2000 }],
    ['routes.routes.0.routes.1', null],
    ['routes.routes.1', DEFAULT_GROUPING],
    ['routes.routes.2', null],
    ['routes.routes.2.routes.0', { threshold: 5, max: 10, waitMs: 0 }],
  ])('at %s', (path, want) => {
    expect(groupingAt(tree, path)).toEqual(want);
  });

  it('takes the root setting over the default, and false there turns grouping off everywhere it is not set again', () => {
    expect(groupingAt(routeSchema.parse({ grouping: { threshold: 8 }, routes: [{}] }), 'routes.routes.0')).toEqual({ threshold: 8, max: 25, waitMs: 0 });
    expect(groupingAt(routeSchema.parse({ grouping: false, routes: [{}] }), 'routes.routes.0')).toBeNull();
  });
});

describe('groupingFor (the snapshot an incident takes at raise time)', () => {
  const config = parseConfig(
    {
      ...policies,
      routes: {
        routes: [
          // routes.routes.0: outages continue, so an outage of checkout matches twice.
          { matchers: ['kind="availability_sla"'], continue: true, grouping: false },
          // routes.routes.1: checkout, with quality split out below it.
          { matchers: ['service="checkout"'], grouping: { wait: '1s' }, routes: [{ matchers: ['kind="quality_sla"'], grouping: { max: 40 } }] },
        ],
      },
    },
    'test',
    {},
  );
  const violation = (v: Partial<ViolationInput>) => violationSchema.parse({ service: 'chat', kind: 'response_time_sla', severity: 'high', title: 'slow', ...v });
  const snapshot = (v: Partial<ViolationInput>) => groupingFor(config, policyFor(config, violation(v)).matches);

  it.each([
    // each case: the violation, the grouping snapshot it gets
    ['no route: the root default, keyed by the root', {}, { key: 'routes', ...DEFAULT_GROUPING }],
    ['a route of its own', { service: 'checkout' }, { key: 'routes.routes.1', threshold: 5, max: 25, waitMs: 1000 }],
    ['the deepest of several matches wins', { service: 'checkout', kind: 'quality_sla' }, { key: 'routes.routes.1.routes.0', threshold: 5, max: 40, waitMs: 0 }],
    ['equally deep continue matches: the first', { service: 'checkout', kind: 'availability_sla' }, null],
    ['a route that never groups', { kind: 'availability_sla' }, null],
  ])('%s', (_name, v, want) => {
    expect(snapshot(v)).toEqual(want);
  });
});
