import { describe, expect, it } from 'vitest';
import { parseMatcher } from '../../domain/matchers';
import { findMute, type InhibitRule, type LabelledIncident, type Silence } from '../../domain/suppression';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
/** t=0 of every timeline: 2024-06-01 12:00 UTC. */
const T0 = Date.parse('2024-06-01T12:00:00Z');
const at = (offset: number) => T0 + offset;
const iso = (offset: number) => new Date(at(offset)).toISOString();

const incident = (workflowId: string, i: Partial<Omit<LabelledIncident, 'workflowId'>> = {}): LabelledIncident => ({
  workflowId,
  service: 'search',
  kind: 'response_time_sla',
  dimension: 'p95',
  severity: 'high',
  labels: {},
  ...i,
});
const silence = (id: string, matchers: string[], startsAt: number, endsAt: number, comment = 'deploy window'): Silence => ({
  id,
  matchers: matchers.map(parseMatcher),
  startsAt: at(startsAt),
  endsAt: at(endsAt),
  createdBy: 'alice',
  comment,
});
const rule = (source: string[], target: string[], equal: string[] = []): InhibitRule => ({
  sourceMatchers: source.map(parseMatcher),
  targetMatchers: target.map(parseMatcher),
  equal,
});

const latency = incident('incident-latency');

describe('findMute: one silence over time', () => {
  // Silence search from t=0 to t=1h; recheckMs is the default 30s.
  const s = silence('s1', ['service="search"'], 0, H);
  const reason = `silenced by alice (deploy window; service="search") until ${iso(H)}`;
  const cases: Array<{ name: string; now: number; want: { reason: string; recheckAt: number } | null }> = [
    // One millisecond before it starts: not muted.
    { name: 'before start', now: -1, want: null },
    // At its start (inclusive): muted, looked at again after recheckMs.
    { name: 'at start', now: 0, want: { reason, recheckAt: at(30 * S) } },
    // Half way: still recheckMs later, not at the end an hour away.
    { name: 'in the middle', now: 30 * M, want: { reason, recheckAt: at(30 * M + 30 * S) } },
    // 10s before the end: recheck at the end, which comes before now + recheckMs.
    { name: 'shortly before the end', now: H - 10 * S, want: { reason, recheckAt: at(H) } },
    // At its end (exclusive): no longer muted.
    { name: 'at end', now: H, want: null },
    // After it: not muted.
    { name: 'after', now: 2 * H, want: null },
  ];
  it.each(cases)('$name (t=$now)', ({ now, want }) => {
    expect(findMute(latency, [s], [], [], at(now))).toEqual(want);
  });
});

describe('findMute: silences', () => {
  const cases: Array<{ name: string; silences: Silence[]; now: number; recheckMs?: number; want: { reason: RegExp; recheckAt: number } | null }> = [
    // Several active silences: the one ending first is reported and sets the recheck (with a long recheckMs).
    {
      name: 'several silences → the earliest end',
      silences: [silence('late', ['service="search"'], 0, 3 * H, 'migration'), silence('early', ['severity=~"high|critical"'], 0, H, 'known issue')],
      now: 10 * M,
      recheckMs: 24 * H,
      want: { reason: /^silenced by alice \(known issue; severity=~"high\|critical"\) until 2024-06-01T13:00:00\.000Z$/, recheckAt: at(H) },
    },
    // A silence that ends earlier but has not started yet does not count.
    {
      name: 'a future silence does not count',
      silences: [silence('later', ['service="search"'], 2 * H, 2 * H + M, 'future'), silence('now', ['service="search"'], 0, 3 * H, 'current')],
      now: 10 * M,
      recheckMs: 24 * H,
      want: { reason: /\(current;/, recheckAt: at(3 * H) },
    },
    // A silence whose matchers do not match this incident does not count, even if it ends first.
    {
      name: 'a non-matching silence does not count',
      silences: [silence('other', ['service="ingest"'], 0, 20 * M, 'other team'), silence('ours', ['service="search"'], 0, 3 * H, 'ours')],
      now: 10 * M,
      recheckMs: 24 * H,
      want: { reason: /\(ours;/, recheckAt: at(3 * H) },
    },
    // The recheck is capped by recheckMs, so a silence expired early is noticed within it.
    { name: 'recheck capped by recheckMs', silences: [silence('s', ['service="search"'], 0, 3 * H)], now: 10 * M, recheckMs: 5 * M, want: { reason: /^silenced by alice/, recheckAt: at(15 * M) } },
    // All matchers must match: severity=critical does not, so nothing is muted.
    { name: 'all matchers must match', silences: [silence('s', ['service="search"', 'severity="critical"'], 0, H)], now: 10 * M, want: null },
    // A silence tied to one incident matches it by the `incident` label (its workflow id).
    { name: 'silence on one incident', silences: [silence('s', ['incident="incident-latency"'], 0, H)], now: 10 * M, want: { reason: /incident="incident-latency"/, recheckAt: at(10 * M + 30 * S) } },
    // ... and not another incident.
    { name: 'silence on another incident', silences: [silence('s', ['incident="incident-other"'], 0, H)], now: 10 * M, want: null },
    // A silence on an own label the incident does not carry (team is "" here).
    { name: 'silence on an own label the incident lacks', silences: [silence('s', ['team="search"'], 0, H)], now: 10 * M, want: null },
    // No silences at all.
    { name: 'no silences', silences: [], now: 0, want: null },
  ];
  it.each(cases)('$name', ({ silences, now, recheckMs, want }) => {
    const got = findMute(latency, silences, [], [], at(now), recheckMs);
    if (want === null) expect(got).toBeNull();
    else expect(got).toEqual({ reason: expect.stringMatching(want.reason), recheckAt: want.recheckAt });
  });

  it('matches own labels as well as the identity fields', () => {
    const labelled = incident('incident-latency', { labels: { team: 'search' } });
    expect(findMute(labelled, [silence('s', ['team="search"'], 0, H)], [], [], at(0))).not.toBeNull();
  });
});

describe('findMute: inhibition', () => {
  // Availability mutes latency on the same service (the usual "the cause mutes its symptoms").
  const outageMutesLatency = rule(['kind="availability_sla"'], ['kind="response_time_sla"'], ['service']);
  const outage = (workflowId: string, i: Partial<Omit<LabelledIncident, 'workflowId'>> = {}) =>
    incident(workflowId, { kind: 'availability_sla', severity: 'critical', dimension: '', ...i });
  const now = at(5 * M);

  const cases: Array<{ name: string; target: LabelledIncident; rules: InhibitRule[]; open: LabelledIncident[]; recheckMs?: number; want: unknown }> = [
    // An open outage on search mutes search latency, naming the outage; recheck after the default 30s.
    {
      name: 'source matches and equal labels equal',
      target: latency,
      rules: [outageMutesLatency],
      open: [outage('incident-outage')],
      want: { reason: 'inhibited by open critical availability_sla incident incident-outage on search', recheckAt: now + 30 * S },
    },
    // recheckMs sets when to look again (an outage resolving is noticed within it).
    { name: 'recheck every recheckMs', target: latency, rules: [outageMutesLatency], open: [outage('incident-outage')], recheckMs: 2 * M, want: { reason: expect.stringMatching(/^inhibited by open/), recheckAt: now + 2 * M } },
    // An outage on another service does not mute search: the equal label differs.
    { name: 'equal label differs', target: latency, rules: [outageMutesLatency], open: [outage('incident-ingest', { service: 'ingest' })], want: null },
    // Equal on an own label: same region mutes.
    {
      name: 'equal own label, same value',
      target: incident('incident-latency', { labels: { region: 'eu' } }),
      rules: [rule(['kind="availability_sla"'], ['kind="response_time_sla"'], ['region'])],
      open: [outage('incident-outage', { service: 'gateway', labels: { region: 'eu' } })],
      want: { reason: 'inhibited by open critical availability_sla incident incident-outage on gateway', recheckAt: now + 30 * S },
    },
    // ... another region does not.
    {
      name: 'equal own label, other value',
      target: incident('incident-latency', { labels: { region: 'eu' } }),
      rules: [rule(['kind="availability_sla"'], ['kind="response_time_sla"'], ['region'])],
      open: [outage('incident-outage', { service: 'gateway', labels: { region: 'us' } })],
      want: null,
    },
    // Missing on one side only: "" versus "eu" differ.
    {
      name: 'equal label missing on the source only',
      target: incident('incident-latency', { labels: { region: 'eu' } }),
      rules: [rule(['kind="availability_sla"'], ['kind="response_time_sla"'], ['region'])],
      open: [outage('incident-outage')],
      want: null,
    },
    // Missing on both sides counts as equal (Alertmanager: a missing label is the empty string).
    {
      name: 'equal label missing on both',
      target: latency,
      rules: [rule(['kind="availability_sla"'], ['kind="response_time_sla"'], ['region'])],
      open: [outage('incident-outage', { service: 'gateway' })],
      want: { reason: 'inhibited by open critical availability_sla incident incident-outage on gateway', recheckAt: now + 30 * S },
    },
    // No equal labels: any open source mutes every target.
    {
      name: 'no equal labels',
      target: latency,
      rules: [rule(['kind="availability_sla"'], ['kind="response_time_sla"'])],
      open: [outage('incident-ingest', { service: 'ingest' })],
      want: { reason: 'inhibited by open critical availability_sla incident incident-ingest on ingest', recheckAt: now + 30 * S },
    },
    // The target matchers do not match this incident (it is quality, not latency): not muted.
    { name: 'target matchers do not match', target: incident('incident-quality', { kind: 'quality_sla' }), rules: [outageMutesLatency], open: [outage('incident-outage')], want: null },
    // Open incidents that do not match the source matchers do not inhibit.
    { name: 'no open source', target: latency, rules: [outageMutesLatency], open: [incident('incident-other-latency', { dimension: 'p99' })], want: null },
    // No open incidents at all.
    { name: 'nothing open', target: latency, rules: [outageMutesLatency], open: [], want: null },
    // The incident never inhibits itself, even when it matches both sides and is in the open list.
    {
      name: 'never itself',
      target: outage('incident-outage'),
      rules: [rule(['severity="critical"'], ['service="search"'], ['service'])],
      open: [outage('incident-outage')],
      want: null,
    },
    // A critical source (matching both sides) still mutes a target that only matches the target side.
    {
      name: 'a source matching both sides mutes a plain target',
      target: incident('incident-latency', { severity: 'medium' }),
      rules: [rule(['severity="critical"'], ['severity=~"critical|high|medium"'], ['service'])],
      open: [outage('incident-outage')],
      want: { reason: 'inhibited by open critical availability_sla incident incident-outage on search', recheckAt: now + 30 * S },
    },
    // The first rule that finds a source decides; later rules are not needed.
    {
      name: 'second rule applies when the first finds no source',
      target: latency,
      rules: [rule(['kind="quality_sla"'], ['kind="response_time_sla"']), outageMutesLatency],
      open: [outage('incident-outage')],
      want: { reason: 'inhibited by open critical availability_sla incident incident-outage on search', recheckAt: now + 30 * S },
    },
  ];
  it.each(cases)('$name', ({ target, rules, open, recheckMs, want }) => {
    expect(findMute(target, [], rules, open, now, recheckMs)).toEqual(want);
  });

  it('skips itself and finds another source further down the open list', () => {
    // A matches both sides; B (medium) matches only the source side, so B may inhibit A.
    const r = rule(['kind="availability_sla"'], ['severity=~"critical|high"'], ['service']);
    const self = outage('incident-a');
    const other = outage('incident-b', { severity: 'medium' });
    expect(findMute(self, [], [r], [self, other], now)?.reason).toBe('inhibited by open medium availability_sla incident incident-b on search');
  });

  it('silences win over inhibition: they are checked first', () => {
    const s = silence('s', ['service="search"'], 0, H, 'maintenance');
    const got = findMute(latency, [s], [outageMutesLatency], [outage('incident-outage')], now);
    expect(got).toEqual({ reason: `silenced by alice (maintenance; service="search") until ${iso(H)}`, recheckAt: now + 30 * S });
  });

  it('falls through to inhibition once the silence has ended', () => {
    const s = silence('s', ['service="search"'], 0, M, 'maintenance');
    expect(findMute(latency, [s], [outageMutesLatency], [outage('incident-outage')], now)?.reason).toMatch(/^inhibited by open/);
  });

  // Regression: two incidents matching both sides of a rule muted each other.
  it('two incidents matching both sides of a rule do not inhibit each other (Alertmanager special case)', () => {
    const r = rule(['severity="critical"'], ['severity=~"critical|high"'], ['service']);
    const a = outage('incident-a');
    const b = incident('incident-b', { severity: 'critical' });
    expect(findMute(a, [], [r], [a, b], now)).toBeNull();
    expect(findMute(b, [], [r], [a, b], now)).toBeNull();
  });
});
