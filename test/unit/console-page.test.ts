import { describe, expect, it } from 'vitest';
import { CONSOLE_ACCESS, accessFor } from '../../api/auth/route-access';
import { CONTENT_SECURITY_POLICY, renderLogin, renderPage } from '../../console/page';
import { liveState, mergeByServiceStart, type WindowRow } from '../../console/live-state';
import { addValue, emptySketch } from '../../domain/latency-sketch';
import { SLA_DEFAULTS } from '../../domain/sla-config';

const principal = (scopes: string[]) => ({ name: 'Zoë <script>', via: 'session' as const, scopes: scopes as never, teams: [], csrfToken: 'tok"en' });

describe('console page frame', () => {
  it('escapes what it prints and puts no script or style inline', () => {
    const html = renderPage({ page: 'service', title: 'Service <b>x</b>', params: { service: '"><img src=x onerror=alert(1)>' }, principal: principal(['admin']) });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('Zoë &lt;script&gt;');
    expect(html).toContain('content="tok&quot;en"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|<style|style="/);
    expect(renderLogin()).not.toMatch(/<script(?![^>]*\bsrc=)|<style|style="/);
  });

  it('shows a viewer only the pages their scopes open, and no action flags', () => {
    const viewer = renderPage({ page: 'incidents', title: 'Incidents', principal: principal(['incidents:read', 'silences:read']) });
    expect(viewer).toContain('href="/incidents"');
    expect(viewer).not.toContain('href="/exec"');
    expect(viewer).not.toContain('href="/compliance"');
    expect(viewer).not.toContain('data-can-act');
    const responder = renderPage({ page: 'incidents', title: 'Incidents', principal: principal(['incidents:read', 'incidents:write', 'silences:read', 'silences:write']) });
    expect(responder).toContain('data-can-act="true"');
    expect(responder).toContain('data-can-silence="true"');
  });

  it('has a strict CSP: no inline or eval, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('gives every console route an access rule; pages need a session, data feeds a scope', () => {
    for (const [key, rule] of Object.entries(CONSOLE_ACCESS)) {
      const [method, url] = key.split(' ') as [string, string];
      expect(accessFor(method, url)).toEqual(rule);
      if (url.startsWith('/console/')) expect(rule.kind, key).toBe('scope');
    }
    expect(accessFor('GET', '/incidents/:id')).toEqual({ kind: 'page' });
    expect(accessFor('GET', '/login')).toEqual({ kind: 'public' });
  });
});

const window = (service: string, start: number, count: number, errors: number, latencies: number[], quality: number | null = 0.9): WindowRow => {
  const sketch = latencies.reduce(addValue, emptySketch());
  return { service, start, count, errors, qualityAvg: quality, qualityCount: quality === null ? 0 : count, costUsd: count * 0.001, sketch };
};

describe('live SLA state', () => {
  const sla = SLA_DEFAULTS as Parameters<typeof liveState>[1];

  it('merges replicas of one window: counts add, quality is weighted, the sketch merges', () => {
    const [m] = mergeByServiceStart([window('a', 0, 10, 0, Array(10).fill(100), 1), window('a', 0, 30, 3, Array(30).fill(3000), 0.5)]);
    expect(m).toMatchObject({ count: 40, errors: 3 });
    expect(m!.qualityAvg).toBeCloseTo(0.625);
    const s = liveState(m!, sla, { budgetRemaining: 0.5, openIncidents: 2 });
    expect(s.breaches).toEqual(['latency', 'availability', 'quality']);
    expect(s.availability).toBeCloseTo(0.925);
    expect(s.burnRate).toBeCloseTo(0.075 / (1 - SLA_DEFAULTS.slo.availability));
    expect(s.openIncidents).toBe(2);
  });

  it('reports no breach for a healthy window, and nothing measured for an empty one', () => {
    expect(liveState(window('a', 0, 100, 0, Array(100).fill(200)), sla, { budgetRemaining: null, openIncidents: 0 }).breaches).toEqual([]);
    const empty = liveState(window('a', 0, 0, 0, [], null), sla, { budgetRemaining: null, openIncidents: 0 });
    expect(empty).toMatchObject({ availability: null, p95Ms: null, quality: null, burnRate: null, breaches: [] });
  });

  it('keeps windows of different services and starts apart, oldest first', () => {
    const out = mergeByServiceStart([window('b', 20, 1, 0, [1]), window('a', 10, 1, 0, [1]), window('a', 20, 1, 0, [1])]);
    expect(out.map((w) => `${w.service}@${w.start}`)).toEqual(['a@10', 'a@20', 'b@20']);
  });
});
