import type { FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { verifyIngestToken } from '../../db/ingest-tokens';
import { VigilError } from '../../domain/errors';
import { bearerToken } from './credentials';

/**
 * Who reports on an ingest route: null for an API key the access layer already checked (metrics:write,
 * any service), else the one service the presented ingest token belongs to; 401 for anything else.
 * `noun` names what the token is for in the hint ("service", or "system" for processing events).
 */
export async function ingestCaller(req: FastifyRequest, pool: Pool, noun: string): Promise<{ service: string } | null> {
  if (req.principal?.via === 'api-key') return null;
  const token = bearerToken(req.headers.authorization);
  if (!token) throw new VigilError('unauthorized', `send "Authorization: Bearer <ingest token>"; create one with \`vigil tokens create --service <${noun}>\``);
  const found = await verifyIngestToken(pool, token);
  if (!found) throw new VigilError('unauthorized', 'unknown or revoked ingest token');
  return found;
}
