import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService } from '../../app/incident-service';
import { createApiKey } from '../../db/auth/api-keys';
import { getExperiment } from '../../db/experiments';
import { createRng } from '../../domain/anomaly/rng';
import { DEFAULT_TRUTH, simulateWindow } from '../../domain/experiments/simulate';
import type { VigilConfig } from '../../domain/config';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { axe, consoleSession, launch, noBrowserReason, serious } from './browser';
import { startConsoleApi } from './console-api';

// The experiments pages in Debian's Chromium against the real API, Temporal and Postgres: an
// experiment created through the API, its list and detail pages, and a pause from the page.
const skip = noBrowserReason();
if (skip) console.warn(skip);

const PASSWORD = 'correct horse battery staple';
const NAME = `console-exp-${randomUUID().slice(0, 8)}`;
let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let api: FastifyInstance;
let base = '';
let stopWorker: () => Promise<void>;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let ingestKey = '';
const cspErrors: string[] = [];

const { login, visit } = consoleSession({ base: () => base, password: PASSWORD, cspErrors });

beforeAll(async () => {
  if (skip) return;
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_console_exp');
  config = testConfig({ channels: { console: { type: 'console' } }, escalationPolicies: { default: { levels: [{ delay: 0, targets: ['console'] }] } } } as Parameters<typeof testConfig>[0], services);
  stopWorker = (await startWorker({ ...services, pool: db.pool }, config)).stop;
  ({ api, base, ingestKey } = await startConsoleApi({ services, pool: db.pool, config, incidents: createIncidentService({ client: services.client, pool: db.pool, config }), password: PASSWORD }));
  const key = (await createApiKey(db.pool, { name: 'exp', owner: null, scopes: ['experiments:write'], createdBy: 'test' })).key;
  const res = await fetch(`${base}/v1/experiments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: NAME, service: 'search-rag', variants: [{ name: 'control', weight: 0.6 }, { name: 'b', weight: 0.4 }],
      primary: 'quality', guardrails: [{ metric: 'p95_latency', margin: 0.1 }], mde: 0.03, baseline: { mean: 0.7, sd: 0.2 }, unitsPerDay: 100_000,
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  browser = await launch();
  admin = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  page = await login(admin, 'ada', '/experiments');
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stopWorker?.();
  await db?.drop();
  await services?.close();
});

describe.skipIf(skip !== null)('experiments in the web console', () => {
  it('lists the experiment with its service, status, split, primary metric, decision and SRM state', async () => {
    await visit(page, '/experiments', `tr[data-experiment="${NAME}"]`, 'experiments');
    const cells = await page.$$eval(`tr[data-experiment="${NAME}"] td`, (tds) => tds.map((td) => td.textContent));
    expect(cells).toEqual([NAME, 'search-rag', 'running', 'control 60 % · b 40 %', 'quality', 'keep_running', 'not checked yet']);
    expect(await page.textContent('nav')).toContain('Experiments');
  });

  it('after a look shows each metric’s effect with its interval, the guardrail verdict and the SRM check', async () => {
    // Windows as the SDK posts them; each batch is one look. Few requests: the experiment keeps running for the pause below.
    const windows = simulateWindow(createRng(3), NAME, { control: { ...DEFAULT_TRUTH, weight: 0.6 }, b: { ...DEFAULT_TRUTH, weight: 0.4 } }, 300, Date.UTC(2026, 11, 5, 12), { latency: true });
    const res = await fetch(`${base}/v1/experiment-windows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ windows }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    await eventually('the first look', async () => ((await getExperiment(db.pool, NAME))?.look ?? 0) >= 1);
    await visit(page, `/experiments/${NAME}`, 'tr[data-metric="b/quality"]', 'experiment-look');
    const effect = await page.$$eval('tr[data-metric="b/quality"] td', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(effect.slice(0, 3)).toEqual(['b', 'quality', 'primary']);
    expect(effect[3]).toMatch(/^-?\d+\.\d %$/);
    expect(effect[4]).toMatch(/^(-?\d+\.\d %|−∞) to (-?\d+\.\d %|\+∞)$/);
    expect(await page.textContent('tr[data-guardrail="p95_latency"]')).toMatch(/b: (breach|non-inferior|undetermined)/);
    expect(await page.textContent('#experiment-srm')).toMatch(/^no mismatch \(χ² /);
    expect(await page.textContent('#experiment-status')).toBe('running');
  });

  it('shows one experiment, refuses a resume with the reason, and a pause from the page changes its status', async () => {
    await visit(page, `/experiments/${NAME}`, '#experiment-status', 'experiment');
    expect(await page.textContent('#experiment-status')).toBe('running');
    await page.click('#experiment-resume');
    await page.waitForSelector('#experiment-result.error');
    expect(await page.textContent('#experiment-result')).toMatch(/^Refused: .*not paused/);
    await page.click('#experiment-pause');
    await page.waitForSelector('#experiment-status [data-status="paused"]', { timeout: 30_000 });
    expect(await page.textContent('#experiment-result')).toBe('Pause: done.');
    expect((await getExperiment(db.pool, NAME))?.status).toBe('paused');
    await eventually('the list to show it paused', async () => {
      await page.goto(`${base}/experiments`);
      await page.waitForSelector(`tr[data-experiment="${NAME}"]`);
      return (await page.textContent(`tr[data-experiment="${NAME}"] [data-status]`)) === 'paused';
    });
    expect(cspErrors).toEqual([]);
  });

  it('gives a user without experiments scopes no buttons and no link to the pages', async () => {
    const ctx = await browser.newContext();
    const p = await login(ctx, 'vic', `/experiments/${NAME}`);
    await p.waitForSelector('#app .error');
    expect(await p.textContent('#app .error')).toContain('403');
    expect(await p.$$('#experiment-pause, #experiment-resume, #experiment-stop')).toHaveLength(0);
    expect(await p.textContent('nav')).not.toContain('Experiments');
    expect(serious(await axe(p))).toEqual([]);
    await ctx.close();
  });
});
