import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../api/server';
import { createIncidentService } from '../../app/incident-service';
import { verifyAudit } from '../../db/audit-log';
import { createIngestToken } from '../../db/ingest-tokens';
import { createProcessingEventEmitter, type EmitterError, type ProcessingEventEmitter } from '../../sdk';
import { connectServices, silentLogger, startWorker, testConfig, type Services } from '../support/integration';

const SYSTEM = 'sdk-compliance-rag';
let services: Services;
let api: FastifyInstance;
let apiUrl: string;
let stopWorker: () => Promise<void>;
const emitters: ProcessingEventEmitter[] = [];

beforeAll(async () => {
  services = await connectServices();
  const config = testConfig({ channels: { console: { type: 'console' } }, anomalyDetection: { enabled: false } }, services);
  // Violations become incident workflows; a worker runs them so none is left waiting on a dead task queue.
  stopWorker = (await startWorker(services, config)).stop;
  const incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  api = createApiServer({ incidents, client: services.client, pool: services.pool, logger: silentLogger, compliance: config.compliance });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const addr = api.server.address();
  apiUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  for (const e of emitters) await e.close();
  await api?.close();
  await stopWorker?.();
  await services?.close();
});

function emitterFor(token: string, errors: EmitterError[] = []): ProcessingEventEmitter {
  const emitter = createProcessingEventEmitter({ baseUrl: apiUrl, token, system: SYSTEM, onError: (e) => errors.push(e) });
  emitters.push(emitter);
  return emitter;
}

const auditRows = async (ids: string[]) =>
  (await services.pool.query("SELECT kind, payload FROM audit_log WHERE payload->>'event_id' = ANY($1) ORDER BY seq", [ids])).rows as Array<{ kind: string; payload: Record<string, unknown> }>;

describe('SDK processing-event emitter → HTTP API → compliance check → audit trail', () => {
  it('a compliant and a violating event come back with their verdicts and land in the hash-chained audit log', async () => {
    const { token } = await createIngestToken(services.pool, SYSTEM, 'test');
    const errors: EmitterError[] = [];
    const emitter = emitterFor(token, errors);
    const actor = { id: 'svc-answer', roles: ['service'] };
    const compliant = emitter.emit({ actor, action: 'query', categories: ['internal'], encryption: { inTransit: true, atRest: true }, outcome: 'success' });
    // Personal data retrieved with no lawful basis: GDPR Art. 6.
    const violating = emitter.emit({ actor, action: 'retrieval', categories: ['pii'], subjectId: 'user-sdk-7', purpose: 'support', region: 'eu-west-1', encryption: { inTransit: true, atRest: true }, outcome: 'success' });

    const flushed = await emitter.flush();
    expect(errors).toEqual([]);
    expect(flushed.dropped).toBe(0);
    expect(flushed.results.map((r) => r.id)).toEqual([compliant, violating]);
    expect(flushed.results[0]).toEqual({ id: compliant, overall_compliant: true, violated_rules: [] });
    expect(flushed.results[1]!.overall_compliant).toBe(false);
    expect(flushed.results[1]!.violated_rules).toContain('GDPR-6-lawful-basis');

    const rows = await auditRows([compliant, violating]);
    expect(rows.map((r) => [r.kind, r.payload.event_id, r.payload.system])).toEqual([
      ['processing.query', compliant, SYSTEM],
      ['processing.retrieval', violating, SYSTEM],
    ]);
    expect(rows[1]!.payload.violated_rules).toContain('GDPR-6-lawful-basis');
    expect(JSON.stringify(rows)).not.toContain('user-sdk-7'); // the subject id stays beside the chain
    const chain = await verifyAudit(services.pool);
    expect(chain.ok).toBe(true);
    expect(emitter.stats()).toMatchObject({ emitted: 2, sent: 2, violations: 1, dropped: 0, pending: 0 });
  });

  it('a token of another system gets its batch refused (403, the field named) and nothing recorded', async () => {
    const { token } = await createIngestToken(services.pool, 'other-compliance-rag', 'test');
    const errors: EmitterError[] = [];
    const emitter = emitterFor(token, errors);
    const id = emitter.emit({ actor: { id: 'svc-answer', roles: ['service'] }, action: 'query', outcome: 'success' });
    const flushed = await emitter.flush();
    expect(flushed).toMatchObject({ results: [], dropped: 1 });
    expect(errors.map((e) => [e.code, e.details.status])).toEqual([['send_rejected', 403]]);
    expect(errors[0]!.issues.map((i) => i.field)).toEqual(['body.events.0.system']);
    expect(errors[0]!.message).not.toContain(token);
    expect(await auditRows([id])).toEqual([]);
  });
});
