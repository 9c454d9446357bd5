// The experiments part of /openapi.json (api/routes/experiments.ts), merged into the document by api/openapi.ts.
import { z } from 'zod';
import { experimentDefinitionSchema } from '../domain/experiments/definition';
import { variantWindowsBodySchema } from '../domain/experiments/variant-window-schema';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Json) => ({ description, ...json(schema) });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' } };
const anyObject = { type: 'object' };

const schema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;

/** Paths of the experiment routes. */
export function experimentPaths(): Json {
  const action = (verb: string, summary: string) => ({
    post: {
      tags: ['experiments'],
      summary,
      parameters: [nameParam],
      requestBody: { required: false, ...json({ type: 'object', properties: { reason: { type: 'string', maxLength: 1000 } }, additionalProperties: false }) },
      responses: { 200: ok(`The experiment after ${verb}`, anyObject), 400: error('Invalid name or body'), 404: error('No such experiment'), 409: error(`Cannot ${verb} (already over, or already in that state)`) },
    },
  });
  return {
    '/v1/experiments': {
      post: {
        tags: ['experiments'],
        summary: 'Create an experiment and start its workflow; dryRun=true only validates and plans (sample size, duration)',
        parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'string', enum: ['true', 'false'], default: 'false' } }],
        requestBody: { required: true, ...json(ref('ExperimentDefinition')) },
        responses: {
          200: ok('dryRun: the parsed definition and its plan', ref('ExperimentPreview')),
          201: ok('Created and started', ref('ExperimentPreview')),
          400: error('Invalid definition; `issues` names each field (e.g. body.variants: weights must sum to 1)'),
          409: error('An experiment of that name exists'),
        },
      },
      get: { tags: ['experiments'], summary: 'Experiments, newest first', responses: { 200: ok('Experiments', { type: 'object', properties: { experiments: { type: 'array', items: anyObject } }, required: ['experiments'] }) } },
    },
    '/v1/experiments/{name}': {
      get: { tags: ['experiments'], summary: 'Stored status and, while it runs, the live look', parameters: [nameParam], responses: { 200: ok('Status', anyObject), 400: error('Invalid name'), 404: error('No such experiment') } },
    },
    '/v1/experiments/{name}/pause': action('pausing', 'Pause: assignment returns control and windows are not counted until resumed'),
    '/v1/experiments/{name}/resume': action('resuming', 'Resume a paused experiment'),
    '/v1/experiments/{name}/stop': action('stopping', 'Stop now; a final report is stored and posted'),
    '/v1/experiments/{name}/report': {
      get: { tags: ['experiments'], summary: 'Stored reports, newest first', parameters: [nameParam], responses: { 200: ok('Reports', { type: 'object', properties: { reports: { type: 'array', items: anyObject } }, required: ['reports'] }), 400: error('Invalid name'), 404: error('No such experiment') } },
    },
    '/v1/experiments/{name}/assignment': {
      get: { tags: ['experiments'], summary: "What the SDK assigns by: salt, weights, and the stopped variants (kill switch)", parameters: [nameParam], responses: { 200: ok('Assignment view', anyObject), 400: error('Invalid name'), 404: error('No such experiment') } },
    },
    '/v1/experiment-windows': {
      post: {
        tags: ['experiments'],
        summary: 'Per-variant window summaries from the SDK, forwarded to each experiment workflow',
        requestBody: { required: true, ...json(ref('VariantWindows')) },
        responses: { 202: ok('Forwarded; unknown experiments are listed', anyObject), 400: error('Invalid windows') },
      },
    },
  };
}

/** Component schemas the paths refer to. */
export function experimentSchemas(): Json {
  return {
    ExperimentDefinition: schema(experimentDefinitionSchema),
    ExperimentPreview: { type: 'object', properties: { definition: anyObject, plan: anyObject, workflowId: { type: 'string' } }, required: ['definition', 'plan'] },
    VariantWindows: schema(variantWindowsBodySchema),
  };
}
