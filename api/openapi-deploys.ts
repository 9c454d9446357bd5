// The deploys part of /openapi.json (api/routes/deploys.ts), merged into the document by api/openapi.ts.
import { z } from 'zod';
import { deployInputSchema } from '../domain/deploys/deploy-input';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Json) => ({ description, ...json(schema) });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' };

function deployInputJson(): Json {
  const out = z.toJSONSchema(deployInputSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  out.description = 'at (default: now) may be at most 5 minutes in the future; otherwise 400 naming body.at. A repeat of (service, version, at) answers 200 with the stored deploy.';
  return out;
}

/** Paths of the deploy routes. */
export function deployPaths(): Json {
  return {
    '/v1/deploys': {
      post: {
        tags: ['deploys'],
        summary: 'Record a deploy (a CI pipeline): drawn as a marker on the service charts',
        requestBody: { required: true, ...json(ref('DeployInput')) },
        responses: { 200: ok('Already recorded: the stored deploy', ref('Deploy')), 201: ok('Recorded', ref('Deploy')), 400: error('Invalid deploy (the field and why)') },
      },
      get: {
        tags: ['deploys'],
        summary: 'Deploys since a time (default: the last 30 days), oldest first',
        parameters: [
          { name: 'service', in: 'query', schema: name },
          { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } },
        ],
        responses: { 200: ok('Deploys', { type: 'object', properties: { deploys: { type: 'array', items: ref('Deploy') } }, required: ['deploys'] }), 400: error('Invalid query') },
      },
    },
  };
}

export function deploySchemas(): Json {
  const nullable = { type: ['string', 'null'] };
  return {
    DeployInput: deployInputJson(),
    Deploy: {
      type: 'object',
      properties: { id: { type: 'string' }, service: { type: 'string' }, version: { type: 'string' }, at: { type: 'string', format: 'date-time' }, description: nullable, recordedBy: { type: 'string' }, recordedAt: { type: 'string', format: 'date-time' } },
      required: ['id', 'service', 'version', 'at', 'description', 'recordedBy', 'recordedAt'],
    },
  };
}
