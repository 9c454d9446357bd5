import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../app/incident-service';
import { seedHistory } from '../../cli/commands/seed';
import { storeForecast } from '../../db/analytics/forecasts';
import { readRollups } from '../../db/analytics/rollups';
import { lockDetectorHead, recordWindow } from '../../db/anomaly-detector-state';
import { forecastSeries } from '../../domain/analytics/forecast/forecast';
import { HOUR_MS, slotOf } from '../../domain/analytics/slots';
import type { VigilConfig } from '../../domain/config';
import type { IncidentState } from '../../domain/incident-state';
import { violationBodySchema } from '../../domain/violation';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { connectServices, eventually, startWorker, testConfig, type Services } from '../support/integration';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { inflateSync } from 'node:zlib';
import { axe, consoleSession, drawnPixels, launch, noBrowserReason, screenshot, serious } from './browser';
import { startConsoleApi } from './console-api';

// The web console in Debian's Chromium against the real API, Temporal and Postgres, on `vigil seed`'s
// demo history (3 services × 15 days) plus live incidents that page a loopback Slack.
const skip = noBrowserReason();
if (skip) console.warn(skip);

const TOKEN = 'xoxb-console-test';
const CHANNEL = 'C0CONSOLE';
const PASSWORD = 'correct horse battery staple';
let services: Services;
let db: ScratchDatabase;
let config: VigilConfig;
let slack: FakeSlack;
let incidents: IncidentService;
let api: FastifyInstance;
let base = '';
let stopWorker: () => Promise<void>;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let ingestKey = '';
const cspErrors: string[] = [];

const { login, visit } = consoleSession({ base: () => base, password: PASSWORD, cspErrors });

async function raise(dimension: string): Promise<string> {
  const r = await incidents.raise(violationBodySchema.parse({ service: 'checkout-rag', kind: 'response_time_sla', dimension, severity: 'high', title: `p95 over SLA (${dimension})` }));
  await eventually('the incident to page Slack', async () => slack.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args).includes(dimension)));
  // And the channel queue's report of that post to be on the incident, and nothing else still landing
  // (a page opened earlier would see it live and read the incident again).
  let seq = -1;
  await eventually('the page recorded as sent and the incident settled', async () => {
    const s = await state(r.fingerprint);
    const settled = s.seq === seq && s.timeline.some((e) => e.type === 'notified');
    seq = s.seq;
    if (!settled) await new Promise((done) => setTimeout(done, 250));
    return settled;
  });
  return r.fingerprint;
}

/** Stores an anomaly verdict for a window as the scoring activity does (db/anomaly-detector-state.ts). */
async function storeVerdict(service: string, t: number, anomalous: boolean, surprise: number): Promise<void> {
  const c = await db.pool.connect();
  try {
    await c.query('BEGIN');
    const head = await lockDetectorHead(c, service, 1);
    const seq = head.headSeq + 1;
    const verdict = { scored: true, score: surprise / 10, threshold: 0.2, anomalous, modelVersion: null, detector: 'ensemble (changepoint)', surprise, seq, ...(anomalous ? { anomalyClass: 'performance' } : {}) };
    await recordWindow(c, { service, seq, windowKey: `@${t}`, t, point: [1], verdict, previousCheckpoint: head.checkpointSeq });
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

/** The document outline's titles (bookmarks from the headings) of a Chromium PDF, from plain and deflated objects. */
function pdfOutlineTitles(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const parts = [raw];
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      parts.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // not a deflated stream (or not one with text objects)
    }
  }
  const titles: string[] = [];
  for (const text of parts) {
    for (const m of text.matchAll(/\/Title\s*(?:<([0-9A-Fa-f]+)>|\(((?:\\.|[^\\)])*)\))/g)) {
      if (m[1]) {
        const bytes = Buffer.from(m[1], 'hex');
        titles.push(bytes[0] === 0xfe && bytes[1] === 0xff ? bytes.subarray(2).swap16().toString('utf16le') : bytes.toString('latin1'));
      } else titles.push(m[2]!.replace(/\\(.)/g, '$1'));
    }
  }
  return titles;
}

const state = async (id: string) => ((await incidents.show(id)) as { state: IncidentState }).state;

/** Opens a page, waits for its content, saves a screenshot and holds it to axe-core. */
beforeAll(async () => {
  if (skip) return;
  services = await connectServices();
  db = await createScratchDatabase(services.pool, services.databaseUrl, 'vigil_console');
  slack = await startFakeSlack({ token: TOKEN });
  config = testConfig(
    {
      channels: { 'slack-oncall': { type: 'slack', channel: CHANNEL } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['slack-oncall'] }, { delay: '1h', targets: ['slack-oncall'] }] } },
      anomalyDetection: { enabled: false },
      analytics: { assumptions: { minutesSavedPerAnswer: 3, loadedHourlyCostUsd: 90, outageMinuteCostUsd: 50 } },
      users: { alice: { notify: ['slack-oncall'] }, bob: { notify: ['slack-oncall'] } },
      schedules: { primary: { timezone: 'UTC', layers: [{ name: 'rota', users: ['alice', 'bob'], rotation: 'daily', start: '2024-01-01' }] } },
    } as Parameters<typeof testConfig>[0],
    services,
  );
  const now = Date.now();
  await seedHistory(db.pool, config, { days: 15, services: 3, seed: 7, windowMs: 300_000, now });
  // A traffic forecast with 80/95 % bands from the seeded hours, as the Forecast workflow stores them.
  const hours = await readRollups(db.pool, 'hour', now - 15 * 24 * HOUR_MS, now, 'checkout-rag');
  const forecast = forecastSeries(hours.map((h) => h.requests), { m1: 24, m2: 24, horizon: 24, origins: 3, levels: [0.8, 0.95] });
  await storeForecast(db.pool, { service: 'checkout-rag', metric: 'requests', madeFor: slotOf(now, 'hour'), stepMs: HOUR_MS, forecast });
  stopWorker = (await startWorker({ ...services, pool: db.pool }, config, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url })).stop;
  incidents = createIncidentService({ client: services.client, pool: db.pool, config });
  ({ api, base, ingestKey } = await startConsoleApi({ services, pool: db.pool, config, incidents, password: PASSWORD }));
  // A CI pipeline's deploy, through the real route with the ingest-style key it would hold.
  const deployed = await fetch(`${base}/v1/deploys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'checkout-rag', version: 'v2.7.0', at: new Date(now - 20 * 60_000).toISOString(), description: 'reranker swap' }),
  });
  if (deployed.status !== 201) throw new Error(`POST /v1/deploys answered ${deployed.status}: ${await deployed.text()}`);
  browser = await launch();
  admin = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  page = await login(admin, 'ada');
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stopWorker?.();
  await slack?.close();
  await db?.drop();
  await services?.close();
});

describe.skipIf(skip !== null)('web console', () => {
  it('sends a visitor without a session to the login, and back to the deep link after it', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${base}/exec?period=30d`);
    expect(new URL(p.url()).pathname).toBe('/login');
    await screenshot(p, 'login');
    expect(serious(await axe(p))).toEqual([]);
    await p.fill('#user', 'ada');
    await p.fill('#password', 'wrong');
    await p.click('button[type=submit]');
    await p.waitForSelector('#login-error:has-text("wrong password")');
    await p.fill('#password', PASSWORD);
    await Promise.all([p.waitForURL(`${base}/exec?period=30d`), p.click('button[type=submit]')]);
    await p.waitForSelector('#card-health');
    expect(await p.inputValue('#period')).toBe('30d');
    await ctx.close();
  });

  it('serves every page with a strict Content-Security-Policy and no inline script or style', async () => {
    const r = await fetch(`${base}/login`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const body = await r.text();
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/); // every script is a file
    expect(body).not.toMatch(/<style|style="/);
  });

  it('shows the incidents list and MTTA/MTTR per service on the seeded history', async () => {
    await visit(page, '/incidents?status=all', 'tr[data-incident]', 'incidents');
    expect(await page.$$eval('tr[data-incident]', (rows) => rows.length)).toBeGreaterThan(3);
    expect(await page.textContent('main')).toContain('MTTA and MTTR per service');
  });

  it('draws every service chart (latency percentiles, availability, quality, cost, traffic) with incident markers', async () => {
    await visit(page, '/services/checkout-rag?range=7d', '#chart-traffic[data-drawn]', 'service');
    const expected: Record<string, number> = { latency: 4, availability: 2, quality: 2, cost: 1, traffic: 1 };
    for (const [chart, series] of Object.entries(expected)) {
      expect(await page.getAttribute(`#chart-${chart}`, 'data-series'), chart).toBe(String(series));
      expect(await drawnPixels(page, `#chart-${chart}`), `${chart} canvas is blank`).toBeGreaterThan(500);
    }
    expect(await page.textContent('#chart-latency')).toMatch(/incident marker/);
  });

  it('draws the executive view: figures, trends and the forecast with its 80 and 95 % bands', async () => {
    // The charts draw from their series first; the figures follow when the dashboard is computed.
    await visit(page, '/exec?period=7d', '#card-health', 'exec');
    await page.waitForSelector('#chart-forecast[data-drawn]');
    for (const id of ['card-health', 'card-sla', 'card-cost-query', 'card-cost-success', 'card-satisfaction']) expect(await page.textContent(`#${id}`), id).toMatch(/vs previous|queries/);
    expect(await page.getAttribute('#chart-forecast', 'data-series')).toBe('5'); // point + two bands (upper, lower)
    for (const c of ['satisfaction', 'cost-per-success', 'sla', 'forecast']) expect(await drawnPixels(page, `#chart-${c}`), c).toBeGreaterThan(500);
    expect(await page.textContent('#impact')).toContain('assumptions');
    const md = (await page.evaluate(`fetch(document.querySelector('#download-md').getAttribute('href')).then((r) => r.text())`)) as string;
    expect(md).toMatch(/^# Executive report — 7d/);
  });

  it('saves the executive report as a PDF with its headings (print stylesheet, no controls)', async () => {
    await visit(page, '/exec?period=7d', '#impact', 'exec-print');
    await page.waitForSelector('#chart-forecast[data-drawn]');
    expect(await page.isVisible('#save-pdf')).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('#save-pdf')).toBe(false);
    expect(await page.isVisible('header.top')).toBe(false);
    await page.emulateMedia({ media: null });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, outline: true, tagged: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000); // text plus the drawn charts
    const titles = pdfOutlineTitles(pdf);
    for (const h of ['Executive dashboard', 'Business impact', 'Predictive insights', 'Recommendations', 'Services']) expect(titles, `PDF outline: ${titles.join(' | ')}`).toContain(h);
  });

  it('shows on-call now and next, the compliance page and the services monitor', async () => {
    await visit(page, '/oncall', 'tr[data-schedule="primary"]', 'oncall');
    expect(await page.textContent('tr[data-schedule="primary"]')).toMatch(/(alice|bob) \(rota\).*(alice|bob) \(rota\)/);
    await visit(page, '/compliance', '#audit', 'compliance');
    // The anomaly monitor judged a window anomalous half an hour ago, and the newest one anomalous too.
    await storeVerdict('checkout-rag', Date.now() - 30 * 60_000, true, 3.4);
    await storeVerdict('checkout-rag', Date.now() - 10 * 60_000, true, 2.6);
    await visit(page, '/services', 'tr[data-service="checkout-rag"]', 'services');
    expect(await page.$$eval('tr[data-service]', (r) => r.length)).toBe(3);
    expect(await page.textContent('tr[data-service="checkout-rag"] td[data-anomaly="anomalous"]')).toMatch(/anomalous · surprise 2\.6/);
    expect(await page.$$eval('tr[data-service="search-rag"] td[data-anomaly]', (r) => r.length)).toBe(0); // no verdict stored: a dash
    // Each burn rule of the monitor, long / short window.
    expect(await page.textContent('tr[data-service="checkout-rag"] td[data-burn]')).toMatch(/fast [\d.]+×\/[\d.]+×.*slow [\d.]+×\/[\d.]+×.*ticket [\d.]+×\/[\d.]+×/);
    // And the latency SLI's: slow / timed answers over each window, in its own cell.
    expect(await page.textContent('tr[data-service="checkout-rag"] td[data-latency-burn]')).toMatch(/fast [\d.]+×\/[\d.]+×.*slow [\d.]+×\/[\d.]+×.*ticket [\d.]+×\/[\d.]+×/);
    expect(await page.$$eval('tr[data-service] td[data-latency-burn]', (c) => c.length)).toBe(3);
    await visit(page, '/services/checkout-rag?range=6h', '#chart-latency[data-drawn]', 'service-anomalies');
    expect(await page.getAttribute('#chart-latency', 'data-anomaly-markers')).toBe('2');
    expect(await page.textContent('#chart-latency')).toMatch(/2 anomaly markers/);
  });

  it('draws the deploy as a solid flagged marker in its own colour, its version in the caption', async () => {
    await visit(page, '/services/checkout-rag?range=6h', '#chart-traffic[data-drawn]', 'service-deploys');
    for (const chart of ['latency', 'availability', 'quality', 'cost', 'traffic']) {
      expect(await page.getAttribute(`#chart-${chart}`, 'data-deploy-markers'), chart).toBe('1');
      expect(await page.getAttribute(`#chart-${chart}`, 'data-deploys-drawn'), `${chart}: the deploy fell outside the plot`).toBe('1');
      expect(await page.textContent(`#chart-${chart}`)).toMatch(/1 deploy marker \(solid, flagged\): deployed v2\.7\.0 at .*\(reranker swap\)/);
    }
    // The traffic chart's one series is in the accent colour: pixels in the deploy colour are the marker's.
    const deployPixels = await page.evaluate(`(() => {
      const rgb = getComputedStyle(document.documentElement).getPropertyValue('--focus').trim().match(/[0-9a-f]{2}/gi).map((h) => parseInt(h, 16));
      const c = document.querySelector('#chart-traffic canvas');
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++;
      return n;
    })()`);
    expect(deployPixels).toBeGreaterThan(50);
    // Incidents and anomalies keep their own counts beside it.
    expect(await page.getAttribute('#chart-latency', 'data-anomaly-markers')).toBe('2');
  });

  it('updates the services monitor over Server-Sent Events within 2 s of a new window', async () => {
    await page.goto(`${base}/services`);
    await page.waitForSelector('tr[data-service="search-rag"]');
    const before = await page.getAttribute('tr[data-service="search-rag"]', 'data-at');
    const r = await fetch(`${base}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples: Array.from({ length: 30 }, (_, i) => ({ service: 'search-rag', at: new Date().toISOString(), latencyMs: 400 + i, ok: true })) }),
    });
    expect(r.status, await r.text()).toBe(202);
    // The bound: the stream reader looks once a second, so the row changes well within 2 s.
    await page.waitForSelector(`tr[data-service="search-rag"]:not([data-at="${before}"])`, { timeout: 2000 });
    expect(await page.textContent('#live-status')).toMatch(/Live: 1 service updated/);
  });

  it('acknowledges an incident from the console: the workflow and the Slack message change', async () => {
    const id = await raise('console-ack');
    await visit(page, `/incidents/${id}`, '#incident-status[data-status="triggered"]', 'incident');
    expect(await page.textContent('#paged, #deliveries')).toBeTruthy();
    expect(await page.textContent('#deliveries')).toContain('slack-oncall');
    expect(await page.getAttribute('#temporal-link', 'href')).toContain(encodeURIComponent(`incident/${id}`));
    const updatesBefore = slack.callsTo('chat.update').length;
    await page.click('button[data-action="acknowledge"]');
    await page.waitForSelector('#incident-status[data-status="acknowledged"]');
    expect(await page.textContent('#action-result')).toMatch(/[Aa]cknowledged/);
    const s = await state(id);
    expect(s.status).toBe('acknowledged');
    expect(s.acknowledged?.by).toBe('ada');
    const update = await eventually('the Slack message to be updated', async () => slack.callsTo('chat.update').slice(updatesBefore).find((c) => JSON.stringify(c.args).includes('ada')));
    expect(JSON.stringify(update.args)).toMatch(/[Aa]cknowledged/);
  });

  it('shows a change made elsewhere (as from Slack) on an open incident page over the live stream, without polling', async () => {
    const id = await raise('console-live-incident');
    await page.goto(`${base}/incidents/${id}`);
    await page.waitForSelector('#incident-status[data-status="triggered"]');
    let reads = 0;
    const count = (r: { url(): string; method(): string }) => {
      if (r.method() === 'GET' && r.url().endsWith(`/v1/incidents/${encodeURIComponent(id)}`)) reads++;
    };
    page.on('request', count);
    try {
      await incidents.act(id, { type: 'acknowledge', by: 'slack-user' });
      await page.waitForSelector('#incident-status[data-status="acknowledged"]', { timeout: 15_000 });
      expect(await page.textContent('dl.facts')).toContain('slack-user');
      expect(await page.getAttribute('#incident-status', 'data-status')).toBe('acknowledged');
      expect(Number(await page.$eval('#timeline', (e) => e.parentElement!.dataset.liveSeq ?? '0'))).toBeGreaterThan(0);
      // Nothing changes now: the page does not re-read on a timer (it used to every 3 s).
      const after = reads;
      await page.waitForTimeout(4000);
      expect(reads).toBe(after);
    } finally {
      page.off('request', count);
    }
  });

  it('shows a refused action with the workflow\'s reason', async () => {
    const id = await raise('console-refused');
    await incidents.act(id, { type: 'resolve', by: 'someone-else', reason: 'fixed' });
    await page.goto(`${base}/incidents/${id}`);
    await page.waitForSelector('#incident-status[data-status="resolved"]');
    await page.click('button[data-action="acknowledge"]');
    await page.waitForSelector('#action-result.error');
    expect(await page.textContent('#action-result')).toMatch(/Refused: .*resolved by someone-else.*cannot be acknowledged/);
    await screenshot(page, 'incident-refused');
  });

  it('previews and creates a silence, then expires it', async () => {
    await raise('console-silence');
    await visit(page, '/silences', '#silence-form', 'silences');
    await page.fill('#matchers', 'service="checkout-rag"\ndimension="console-silence"');
    await page.waitForSelector('#preview[data-would-mute="1"]');
    expect(await page.textContent('#preview')).toMatch(/Would mute 1 open incident/);
    await page.fill('#comment', 'deploy');
    await page.click('#silence-form button[type=submit]');
    await page.waitForSelector('button[data-expire]');
    await page.click('button[data-expire]');
    await page.waitForSelector('#silence-result:has-text("expired")');
  });

  it('gives a viewer no action buttons, and refuses a forged POST', async () => {
    const id = await raise('console-viewer');
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' }); // a phone, in dark mode
    const p = await login(ctx, 'vic');
    await p.goto(`${base}/incidents/${id}`);
    await p.waitForSelector('#incident-status');
    await screenshot(p, 'incident-viewer-phone');
    expect(serious(await axe(p))).toEqual([]);
    expect(await p.$$('button[data-action]')).toHaveLength(0);
    // The theme follows the system (dark here, and axe checked its contrast); the toggle switches it and is remembered.
    expect(await p.getAttribute('#theme-toggle', 'aria-pressed')).toBe('true');
    await p.click('#theme-toggle');
    expect(await p.getAttribute('html', 'data-theme')).toBe('light');
    await p.reload();
    await p.waitForSelector('#incident-status');
    expect(await p.getAttribute('html', 'data-theme')).toBe('light');
    expect(serious(await axe(p))).toEqual([]);
    expect(await p.$('a[href="/exec"]')).toBeNull(); // the executive view needs analytics:read
    // Forged from the page: without the CSRF token, and with it but without the scope.
    const url = JSON.stringify(`${base}/v1/incidents/${id}/acknowledge`);
    const forged = (await p.evaluate(`(async () => {
      const post = (headers) => fetch(${url}, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
      return [await post({}), await post({ 'x-csrf-token': csrf })];
    })()`)) as Array<{ status: number; body: Record<string, unknown> }>;
    expect(forged[0]).toMatchObject({ status: 403, body: { error: 'csrf' } });
    expect(forged[1]).toMatchObject({ status: 403, body: { message: expect.stringContaining('"incidents:write"') } });
    // The admin's cookie without the token (what a cross-site form would send) is refused too.
    const cookie = (await admin.cookies(base)).find((c) => c.name === 'vigil_session')!;
    const cross = await fetch(`${base}/v1/incidents/${id}/acknowledge`, { method: 'POST', headers: { cookie: `vigil_session=${cookie.value}`, 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(cross.status).toBe(403);
    expect((await state(id)).status).toBe('triggered');
    await ctx.close();
  });

  it('logs out: the session ends, and the old cookie no longer opens anything', async () => {
    const ctx = await browser.newContext();
    const p = await login(ctx, 'ada');
    const cookie = (await ctx.cookies(base)).find((c) => c.name === 'vigil_session')!;
    await Promise.all([p.waitForURL(`${base}/login`), p.click('#logout')]);
    await p.goto(`${base}/incidents`);
    expect(new URL(p.url()).pathname).toBe('/login');
    const replay = await fetch(`${base}/v1/incidents`, { headers: { cookie: `vigil_session=${cookie.value}` } });
    expect(replay.status).toBe(401);
    await ctx.close();
  });

  it('loaded no page with a Content-Security-Policy violation', () => {
    expect(cspErrors).toEqual([]);
  });
});
