import { describe, expect, it } from 'vitest';
import { emptyMonitorState, ingestWindow, monitorStatus, type MonitorState } from '../../domain/monitor';
import { SLA_DEFAULTS, type ServiceSla } from '../../domain/sla-config';
import { windowOf } from '../support/windows';

const SLA: ServiceSla = { ...SLA_DEFAULTS, evaluationWindow: 30_000, openAfter: 2, resolveAfter: 2, minRequests: 10, burnRateAlerts: false };
const T0 = Date.UTC(2026, 0, 1);

function feed(windows: ReturnType<typeof windowOf>[]) {
  let s: MonitorState = emptyMonitorState('svc');
  const actions = [];
  for (const w of windows) {
    const r = ingestWindow(s, w, SLA);
    s = r.state;
    actions.push(...r.actions);
  }
  return { s, actions };
}

describe('service monitor decisions', () => {
  it('adds up replicas: two sources reporting the same 10 s window both count, and the verdict steps once', () => {
    // t=0: replica a and b both breach; t=10s: both breach again → opens on the second time window, not the second signal
    const { s, actions } = feed([
      windowOf({ service: 'svc', start: T0, latencyMs: 2500 }),
      { ...windowOf({ service: 'svc', start: T0, latencyMs: 2500 }), source: 'b' },
    ]);
    expect(s.recent).toHaveLength(2);
    expect(s.lastReport?.requests).toBe(200);
    expect(actions).toEqual([]);
    const next = ingestWindow(s, windowOf({ service: 'svc', start: T0 + 10_000, latencyMs: 2500 }), SLA);
    expect(next.actions.map((a) => a.type)).toEqual(['raise']);
  });

  it('counts a re-sent window (same source and start) once', () => {
    const w = { ...windowOf({ service: 'svc', start: T0 }), source: 'a' };
    const { s } = feed([w, w, w]);
    expect(monitorStatus(s).windows).toBe(1);
  });

  it('keeps only the evaluation window of recent windows', () => {
    const { s } = feed(Array.from({ length: 20 }, (_, i) => windowOf({ service: 'svc', start: T0 + i * 10_000 })));
    expect(s.recent.map((w) => (w.start - T0) / 10_000)).toEqual([17, 18, 19]);
  });

  it('raises the seed shape: breached p95 with its severity, threshold and an impact line', () => {
    const { actions } = feed([0, 1].map((i) => windowOf({ service: 'svc', start: T0 + i * 10_000, latencyMs: 2350 })));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      type: 'raise',
      violation: { service: 'svc', kind: 'response_time_sla', dimension: 'p95', severity: 'high', threshold: 2000, unit: 'ms', labels: { source: 'sla-monitor' } },
    });
  });
});
