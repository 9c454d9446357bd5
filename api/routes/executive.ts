import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { loadDashboard } from '../../db/analytics/dashboard';
import { periodSchema } from '../../domain/analytics/period';
import type { VigilConfig } from '../../domain/config';
import { parseOr400 } from '../errors';

const query = z.object({ period: periodSchema.default('7d') }).strict();

/** `GET /v1/executive/dashboard?period=24h|7d|30d|90d`: generate_executive_dashboard(period), from the rollups. */
export function executiveRoutes(app: FastifyInstance, deps: { pool: Pool; config: VigilConfig }): void {
  app.get('/v1/executive/dashboard', async (req, reply) => {
    const { period } = parseOr400(query, req.query, 'query');
    // The dashboard spans every service; a user limited to teams would see others' figures.
    if (req.principal && req.principal.teams.length > 0) {
      return reply.status(403).send({ error: 'forbidden', message: `${req.principal.name} is limited to teams (${req.principal.teams.join(', ')}); the executive dashboard covers every service` });
    }
    return loadDashboard(deps.pool, deps.config, period);
  });
}
