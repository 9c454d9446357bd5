import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { z } from 'zod';
import { parseOr400 } from '../api/errors';
import { periodSchema } from '../domain/analytics/period';
import type { VigilConfig } from '../domain/config';
import { serviceRefusal, type TeamsConfig } from '../domain/auth/teams';
import { matcherSchema } from '../domain/matchers';
import { loadDashboard } from '../db/analytics/dashboard';
import { renderMarkdown } from '../domain/analytics/report-render';
import { nameSchema } from '../domain/names';
import { auditStatus, execSeries, incidentStats, onCallNow, SERIES_RANGES, serviceSeries, servicesOverview, silencePreview, type SeriesRange } from './data';
import { createLiveHub, type LiveHub } from './live-hub';
import { experimentConsoleRoutes } from './experiments-data';
import { renderLogin, renderPage, SECURITY_HEADERS } from './page';
import type { Principal } from '../api/auth/principal';

export interface ConsoleDeps {
  pool: Pool;
  config: VigilConfig;
  logger: Logger;
  teams?: TeamsConfig;
  /** Live streams one session may hold open at once (default MAX_STREAMS_PER_SESSION). */
  maxStreamsPerSession?: number;
}

export const MAX_STREAMS_PER_SESSION = 4;

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The files under /assets: ours from console/assets, uPlot from its npm package (installed, never a CDN). */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const add = (name: string, file: string) => files.set(name, { body: fs.readFileSync(file), type: ASSET_TYPES[path.extname(file)]! });
  const own = path.join(__dirname, 'assets');
  for (const f of fs.readdirSync(own, { recursive: true }) as string[]) {
    if (ASSET_TYPES[path.extname(f)]) add(f.split(path.sep).join('/'), path.join(own, f));
  }
  const uplot = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');
  add('vendor/uPlot.esm.js', path.join(uplot, 'uPlot.esm.js'));
  add('vendor/uPlot.min.css', path.join(uplot, 'uPlot.min.css'));
  return files;
}

const html = (reply: FastifyReply, body: string) => reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

const PAGES: ReadonlyArray<{ url: string; page: string; title: (p: Record<string, string>) => string }> = [
  { url: '/incidents', page: 'incidents', title: () => 'Incidents' },
  { url: '/incidents/:id', page: 'incident', title: () => 'Incident' },
  { url: '/services', page: 'services', title: () => 'Services' },
  { url: '/services/:service', page: 'service', title: (p) => `Service ${p.service}` },
  { url: '/exec', page: 'exec', title: () => 'Executive dashboard' },
  { url: '/oncall', page: 'oncall', title: () => 'On call' },
  { url: '/silences', page: 'silences', title: () => 'Silences' },
  { url: '/compliance', page: 'compliance', title: () => 'Compliance' },
  { url: '/experiments', page: 'experiments', title: () => 'Experiments' },
  { url: '/experiments/:name', page: 'experiment', title: (p) => `Experiment ${p.name}` },
];

const pageParams = z.object({ id: z.string().min(1).max(300).optional(), service: nameSchema.optional(), name: nameSchema.optional() });

/**
 * The web console under `/`: pages (api/auth/route-access.ts CONSOLE_ACCESS: a session, or the
 * login), static assets, the pages' data feeds and one live stream per browser. Register before
 * openApiRoutes: none of this is the JSON API's contract.
 */
export function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps): LiveHub {
  const assets = loadAssets();
  const hub = createLiveHub({ pool: deps.pool, config: deps.config, logger: deps.logger });
  app.addHook('onClose', async () => hub.close());
  const maxStreams = deps.maxStreamsPerSession ?? MAX_STREAMS_PER_SESSION;
  const temporalUiUrl = `${deps.config.temporal.uiUrl}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}`;

  app.get('/', async (_req, reply) => reply.redirect('/incidents', 303));
  app.get('/login', async (_req, reply) => html(reply, renderLogin()));
  app.get('/assets/*', async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    const a = assets.get(name);
    if (!a) return reply.status(404).send({ error: 'not_found', message: `no console asset "${name}"` });
    return reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type(a.type).send(a.body);
  });
  for (const p of PAGES) {
    app.get(p.url, async (req, reply) => {
      const params = parseOr400(pageParams, req.params, 'params');
      const given = Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
      return html(reply, renderPage({ page: p.page, title: p.title(given), params: given, temporalUiUrl, ...(req.principal ? { principal: req.principal } : {}) }));
    });
  }

  app.get('/console/events', (req, reply) => {
    // A browser needs one stream (lib.js shares it across a tab); a few tabs are fine, a leaking
    // script opening stream after stream is not. Sessions are capped; API keys (automation, the
    // fan-out bench's simulated browsers) are not.
    const owner = req.principal?.via === 'session' && req.principal.csrfToken ? `session:${req.principal.csrfToken}` : undefined;
    if (owner !== undefined && hub.streamsOf(owner) >= maxStreams) {
      return reply.status(429).header('retry-after', '30').send({
        error: 'too_many_streams',
        message: `this session already holds ${maxStreams} live streams (the most allowed); close a console tab, or wait for a closed one to be noticed, then reload`,
      });
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    hub.attach(reply.raw, owner);
    req.log.debug({ clients: hub.clients() }, 'console stream attached');
  });
  // A user limited to teams sees their teams' services only, as the API lets them act on those only.
  const visible = (p: Principal | undefined, service: string) => !p || p.teams.length === 0 || serviceRefusal(p.name, p.teams, service, deps.teams ?? {}) === null;
  const refuseTeams = (p: Principal | undefined, reply: FastifyReply) =>
    p && p.teams.length > 0 ? reply.status(403).send({ error: 'forbidden', message: `${p.name} is limited to teams (${p.teams.join(', ')}); the executive figures cover every service` }) : null;

  app.get('/console/data/services', async (req) => ({ services: (await servicesOverview(deps.pool, deps.config)).filter((s) => visible(req.principal, s.service)) }));
  app.get('/console/data/services/:service', async (req, reply) => {
    const { service } = parseOr400(z.object({ service: nameSchema }), req.params, 'params');
    if (!visible(req.principal, service)) return reply.status(403).send({ error: 'forbidden', message: `${req.principal!.name} may not see "${service}" (not one of their teams' services)` });
    const { range } = parseOr400(z.object({ range: z.enum(Object.keys(SERIES_RANGES) as [SeriesRange]).default('6h') }).strict(), req.query, 'query');
    return serviceSeries(deps.pool, deps.config, service, range);
  });
  app.get('/console/data/incident-stats', async (req) => {
    const { days } = parseOr400(z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }).strict(), req.query, 'query');
    return { days, services: await incidentStats(deps.pool, days) };
  });
  app.get('/console/data/exec-series', async (req, reply) => {
    const { period } = parseOr400(z.object({ period: periodSchema.default('7d') }).strict(), req.query, 'query');
    return refuseTeams(req.principal, reply) ?? execSeries(deps.pool, period);
  });
  // The same report as the page, as a file to keep or mail (the dashboard's own Markdown rendering).
  app.get('/console/data/exec-report.md', async (req, reply) => {
    const { period } = parseOr400(z.object({ period: periodSchema.default('7d') }).strict(), req.query, 'query');
    if (refuseTeams(req.principal, reply)) return reply;
    const md = renderMarkdown(await loadDashboard(deps.pool, deps.config, period));
    return reply.type('text/markdown; charset=utf-8').header('content-disposition', `attachment; filename="vigil-executive-${period}.md"`).send(md);
  });
  app.get('/console/data/oncall', async () => ({ schedules: onCallNow(deps.config) }));
  app.get('/console/data/silence-preview', async (req) => {
    const q = parseOr400(z.object({ matchers: z.union([matcherSchema, z.array(matcherSchema).max(50)]) }).strict(), req.query, 'query');
    return silencePreview(deps.pool, Array.isArray(q.matchers) ? q.matchers : [q.matchers]);
  });
  app.get('/console/data/audit', async () => auditStatus(deps.pool));
  experimentConsoleRoutes(app, { pool: deps.pool, ...(deps.teams ? { teams: deps.teams } : {}) });
  return hub;
}
