import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, registeredRoutes } from '../../api/openapi';
import { createApiServer, type ApiDeps } from '../../api/server';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
  requestBody?: { content: Record<string, { schema: Json }> };
}
type Doc = { openapi: string; info: Json; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json> } };

// Registering routes calls none of the services, so stand-ins do.
function server(extra: Partial<ApiDeps> = {}): FastifyInstance {
  return createApiServer({ incidents: {} as never, client: {} as never, pool: {} as never, logger: pino({ level: 'silent' }), ...extra });
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => METHODS.has(m)).map(([method, op]) => ({ path, method, op })));
const fastifyUrl = (path: string) => path.replace(/\{token\}$/, '*').replace(/\{([^}]+)\}/g, ':$1');

let full: FastifyInstance;
let plain: FastifyInstance;
let served: Doc;

beforeAll(async () => {
  full = server({ actionSecret: 'secret', pagerDutyWebhookSecret: 'pd-secret', alertmanagerToken: 'am' });
  plain = server();
  await Promise.all([full.ready(), plain.ready()]);
  served = (await full.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
});

afterAll(async () => {
  await Promise.all([full?.close(), plain?.close()]);
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(served.openapi).toBe('3.1.0');
    expect(served.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const refs = [...JSON.stringify(served).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(served.components.schemas, `unresolved $ref ${r}`).toHaveProperty(r);
  });

  it('documents every route the server registered, with that method', () => {
    const routes = registeredRoutes(full);
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) expect(served.paths[r.path]?.[r.method], `${r.method.toUpperCase()} ${r.path} is not documented`).toBeDefined();
  });

  it('documents only routes that exist on this server', () => {
    for (const { path, method } of operations(served)) {
      expect(full.hasRoute({ method: method.toUpperCase() as 'GET', url: fastifyUrl(path) }), `${method} ${path}`).toBe(true);
    }
  });

  it('leaves out the routes a server without secrets does not have', async () => {
    const doc = (await plain.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
    expect(Object.keys(doc.paths)).not.toContain('/actions/{token}');
    expect(Object.keys(doc.paths)).not.toContain('/v1/integrations/pagerduty');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/metrics', '/v1/alertmanager', '/metrics', '/healthz', '/openapi.json']));
  });

  it('gives every operation a response, and every JSON error the shared { error, message, issues? } shape', () => {
    for (const { path, method, op } of operations(openApiDocument() as Doc)) {
      const codes = Object.keys(op.responses);
      expect(codes.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const code of codes) {
        expect(code).toMatch(/^[1-5]\d\d$/);
        const schema = op.responses[code]!.content?.['application/json']?.schema;
        // /healthz answers 503 with its usual body (which part is down), not an error.
        if (Number(code) >= 400 && schema && path !== '/healthz') expect(schema, `${method} ${path} ${code}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(served.components.schemas.Error).toMatchObject({ required: ['error', 'message'], properties: { issues: { type: 'array' } } });
  });

  it.each([
    // each case: path, method, status codes the route can answer with
    ['/v1/metrics', 'post', ['202', '400', '401', '403', '413', '429', '503']],
    ['/v1/alertmanager', 'post', ['200', '400', '401']],
    ['/v1/incidents', 'post', ['202', '400']],
    ['/v1/incidents/{id}/acknowledge', 'post', ['200', '400', '404', '409']],
    ['/v1/silences', 'post', ['201', '400']],
    ['/v1/silences/{id}', 'delete', ['204', '404']],
  ])('%s %s lists %j', (path, method, codes) => {
    expect(Object.keys(served.paths[path]![method]!.responses)).toEqual(expect.arrayContaining(codes));
  });

  it('derives request bodies from the zod schemas', () => {
    const s = served.components.schemas;
    expect(s.Violation).toMatchObject({ type: 'object', required: expect.arrayContaining(['service', 'kind', 'severity', 'title']) });
    expect(JSON.stringify(s.MetricsBatch)).toContain('"maxItems":1000');
    expect(s.MetricsBatch).toMatchObject({ properties: { windows: { type: 'array' }, samples: { type: 'array' } } });
    expect(s.AlertmanagerPayload).toMatchObject({ properties: { version: { const: '4' } } });
    // createdBy is the caller's with access control on, so only the comment is always required.
    expect(s.SilenceInput).toMatchObject({ required: expect.arrayContaining(['comment']) });
  });
});
