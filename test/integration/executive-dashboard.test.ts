import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAuth } from '../../api/auth/plugin';
import { errorHandler } from '../../api/errors';
import { executiveRoutes } from '../../api/routes/executive';
import { parseConfig } from '../../app/config-file';
import { seedHistory } from '../../cli/commands/seed';
import { loadDashboard } from '../../db/analytics/dashboard';
import { readRollups } from '../../db/analytics/rollups';
import { createApiKey } from '../../db/auth/api-keys';
import type { ExecutiveDashboard } from '../../domain/analytics/dashboard';
import { renderHtml, renderMarkdown } from '../../domain/analytics/report-render';
import { DAY_MS, HOUR_MS } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

// The dashboard, its report and the API over the history `vigil seed` makes, in a database of its own.
const NOW = Date.UTC(2026, 11, 5, 9, 30);
const ASSUMPTIONS = { minutesSavedPerAnswer: 3, loadedHourlyCostUsd: 90, outageMinuteCostUsd: 50 };

let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let app: FastifyInstance;
let keys: { analytics: string; viewer: string };
let seeded: Awaited<ReturnType<typeof seedHistory>>;

beforeAll(async () => {
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_exec');
  config = parseConfig({ analytics: { assumptions: ASSUMPTIONS } }, 'test', {});
  seeded = await seedHistory(db.pool, config, { days: 15, services: 3, seed: 7, windowMs: 300_000, now: NOW });
  app = Fastify();
  app.setErrorHandler(errorHandler);
  installAuth(app, { pool: db.pool, mode: 'keys', metricsPublic: true, keyCacheMs: 300 });
  executiveRoutes(app, { pool: db.pool, config });
  await app.ready();
  keys = {
    analytics: (await createApiKey(db.pool, { name: 'exec-dash', owner: null, scopes: ['analytics:read'], createdBy: 'test' })).key,
    viewer: (await createApiKey(db.pool, { name: 'viewer', owner: null, scopes: ['incidents:read'], createdBy: 'test' })).key,
  };
}, 300_000);

afterAll(async () => {
  await app?.close();
  await db?.drop();
  await services?.close();
});

const get = (url: string, key?: string) => app.inject({ method: 'GET', url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });

describe('vigil seed', () => {
  it('fills 15 days for 3 services and rolls every complete hour and day', async () => {
    expect(seeded.hours).toBe(15 * 24); // 09:00 fifteen days ago up to 08:00 today
    expect(seeded.days).toBe(14);
    expect(seeded.incidents).toBeGreaterThan(5);
    const again = await seedHistory(db.pool, config, { days: 15, services: 3, seed: 7, windowMs: 300_000, now: NOW });
    expect(again.windows).toBe(0); // keyed: a second seed adds nothing
    expect(again.incidents).toBe(0);
  });
});

describe('executive dashboard on the seeded history', () => {
  let d: ExecutiveDashboard;
  beforeAll(async () => {
    d = await loadDashboard(db.pool, config, '7d', NOW);
  });

  it('has the seed\'s shape, for the 7 days ending with the last rolled hour', () => {
    expect(Object.keys(d).sort()).toEqual(['business_impact', 'capacity', 'executive_summary', 'period', 'predictive_insights', 'recommendations', 'services']);
    expect(Object.keys(d.executive_summary)).toEqual(expect.arrayContaining(['overall_health_score', 'sla_compliance_rate', 'cost_efficiency_trend', 'user_satisfaction']));
    expect(d.period.to).toBe(new Date(Math.floor(NOW / HOUR_MS) * HOUR_MS).toISOString());
    expect(Date.parse(d.period.to) - Date.parse(d.period.from)).toBe(7 * DAY_MS);
    expect(d.services.map((s) => s.service).sort()).toEqual(['checkout-rag', 'search-rag', 'support-rag']);
    for (const s of d.services) {
      expect(s.health_score).toBeGreaterThan(0);
      expect(s.health_score).toBeLessThanOrEqual(100);
    }
  });

  it('sums the period exactly from the rollups, and compares with the 7 days before', async () => {
    const from = Date.parse(d.period.from);
    const hours = await readRollups(db.pool, 'hour', from, Date.parse(d.period.to));
    expect(d.executive_summary.requests.value).toBe(hours.reduce((a, h) => a + h.requests, 0));
    const prev = await readRollups(db.pool, 'hour', from - 7 * DAY_MS, from);
    expect(d.executive_summary.requests.previous).toBe(prev.reduce((a, h) => a + h.requests, 0));
    // checkout-rag's p95 drifts up 2 %/day in the seeded history: this week's is higher.
    const checkout = d.services.find((s) => s.service === 'checkout-rag')!;
    const prevCheckout = prev.filter((h) => h.service === 'checkout-rag');
    expect(checkout.p95_ms!).toBeGreaterThan(Math.max(...prevCheckout.map((h) => h.p50Ms!)));
  });

  it('shows each impact figure with its assumptions, and none whose assumptions are missing', async () => {
    const productivity = d.business_impact.figures.find((f) => f.name === 'productivity_value')!;
    expect(productivity.assumptions).toEqual({ minutesSavedPerAnswer: 3, loadedHourlyCostUsd: 90 });
    expect(productivity.valueUsd).toBeCloseTo((productivity.inputs.successfulAnswers! * 3 * 90) / 60, 1);
    expect(d.business_impact.figures.map((f) => f.name).sort()).toEqual(['outage_cost', 'productivity_value']);
    expect(d.business_impact.not_configured.join('\n')).toMatch(/revenue_value: set analytics\.assumptions\.valuePerResolvedQueryUsd/);
    const bare = await loadDashboard(db.pool, parseConfig({}, 'test', {}), '7d', NOW);
    expect(bare.business_impact.figures).toEqual([]);
  });

  it('gives the satisfaction trend as a slope with a confidence interval and a verdict', () => {
    const t = d.executive_summary.user_satisfaction.trend!;
    expect(t.n).toBe(8); // one point per calendar day the 7 days touch (the edge days are partial)
    expect(t.low).toBeLessThanOrEqual(t.slope);
    expect(t.high).toBeGreaterThanOrEqual(t.slope);
    expect(['rising', 'falling', 'no significant trend']).toContain(t.verdict);
  });

  it('renders Markdown and HTML reports with the same figures (HTML escaped)', () => {
    const md = renderMarkdown(d);
    expect(md).toMatch(/^# Executive report — 7d/);
    expect(md).toContain(`${d.executive_summary.overall_health_score.value!.toFixed(1)} / 100`);
    const html = renderHtml(d);
    expect(html).toContain('<h1>Executive report — 7d</h1>');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('GET /v1/executive/dashboard', () => {
  it('answers with the dashboard for a key holding analytics:read', async () => {
    const r = await get('/v1/executive/dashboard?period=30d', keys.analytics);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ period: { name: '30d' } });
  });
  it('refuses a bad period with 400 naming query.period', async () => {
    const r = await get('/v1/executive/dashboard?period=2w', keys.analytics);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'invalid_input', issues: [{ field: 'query.period' }] });
    expect((await get('/v1/executive/dashboard?period=7d&extra=1', keys.analytics)).statusCode).toBe(400);
  });
  it('fails closed: 401 without credentials, 403 for a key without analytics:read', async () => {
    expect((await get('/v1/executive/dashboard')).statusCode).toBe(401);
    expect((await get('/v1/executive/dashboard', keys.viewer)).statusCode).toBe(403);
  });
});

describe('vigil exec report', () => {
  it('prints the report from the rollups (JSON here) and writes nothing else', async () => {
    const p = spawnVigil(['exec', 'report', '--period', '24h', '--format', 'json'], { DATABASE_URL: db.url });
    expect((await p.exited).code).toBe(0);
    const json = JSON.parse(p.output()) as ExecutiveDashboard;
    expect(json.period.name).toBe('24h');
    expect(json.services).toHaveLength(3);
  });
  // cases: the flag given wrong → exit 2 naming it, before anything connects
  for (const [flag, value] of [['--period', '2w'], ['--format', 'pdf']] as const) {
    it(`refuses ${flag} ${value} with exit 2 naming the flag`, async () => {
      const p = spawnVigil(['exec', 'report', flag, value], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      expect((await p.exited).code).toBe(2);
      expect(p.output()).toContain(flag);
    });
  }
});
