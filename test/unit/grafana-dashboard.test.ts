import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createApiTelemetry, VIGIL_METRIC_NAMES } from '../../api/routes/prometheus';

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  templating: { list: Array<{ name: string; type: string; query: string }> };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'dashboards', 'grafana-vigil.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
// Metric names in an expression: Vigil's own and the default process/Node.js metrics.
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:vigil|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);

/** What GET /metrics exposes, read from a scrape of the real registry (Postgres answers with no rows). */
async function exposedNames(): Promise<Set<string>> {
  const pool = { query: async () => ({ rows: [] }) } as unknown as Pool;
  const telemetry = createApiTelemetry(pool, { warn: () => undefined });
  telemetry.httpDuration.observe({ method: 'GET', route: '/healthz', status_code: '200' }, 0.01);
  const text = await telemetry.registry.metrics();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('dashboards/grafana-vigil.json', () => {
  it('is a schemaVersion 39 dashboard whose panels all use the Prometheus datasource variable', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('charts only metrics that GET /metrics exposes', async () => {
    const exposed = await exposedNames();
    for (const { panel, expr } of exprs) {
      const used = metricNames(expr);
      expect(used.length, `${panel}: ${expr} names no metric`).toBeGreaterThan(0);
      for (const name of used) expect(exposed.has(name), `${panel}: ${name} is not exposed`).toBe(true);
    }
  });

  it("charts every one of Vigil's own series, and the list of them matches the registry", async () => {
    const exposed = await exposedNames();
    expect([...exposed].filter((n) => n.startsWith('vigil_') && !/_(bucket|sum|count)$/.test(n)).sort()).toEqual([...VIGIL_METRIC_NAMES].sort());
    const charted = new Set(exprs.flatMap(({ expr }) => metricNames(expr)).map((n) => n.replace(/_bucket$/, '')));
    for (const name of VIGIL_METRIC_NAMES) expect(charted.has(name), `${name} has no panel`).toBe(true);
  });
});
