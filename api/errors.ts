import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { VigilError, type VigilErrorCode } from '../domain/errors';
import { sanitizeText, textRefusal } from '../domain/text';

const STATUS: Record<VigilErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  invalid_state: 409,
  config_invalid: 500,
  unavailable: 503,
};

/** Parses a request part with zod, turning failures into a 400 that names each field and why. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  // The first issue in the message too: clients that show only the message still learn which field.
  throw new VigilError('invalid_input', `invalid ${where}: ${issues[0]!.field}: ${issues[0]!.message}`, { issues });
}

/** Fastify's own errors (body parsing, routing), as the error codes and messages of our one shape. */
const FASTIFY_ERRORS: Record<string, { error: string; message: string; status?: number }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { error: 'invalid_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { error: 'empty_body', message: 'the body is empty but content-type says JSON; send a JSON body or no content-type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { error: 'body_too_large', message: 'the body is larger than this endpoint accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { error: 'unsupported_media_type', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { error: 'invalid_input', message: 'content-length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { error: 'unsupported_media_type', message: 'content-type must be a string' },
  // 400 rather than Fastify's 414: the id is simply invalid (the spec bounds it at 100), like any other bad field.
  FST_ERR_MAX_PARAM_LENGTH: { error: 'invalid_input', message: 'params: a path parameter may be at most 100 characters', status: 400 },
  FST_ERR_BAD_URL: { error: 'invalid_input', message: 'the path is not valid percent-encoding' },
};

/** Every error leaves as JSON `{ error, message, ...details }` with a fitting status; internals are not leaked. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof VigilError) {
    void reply.status(STATUS[err.code]).send({ error: err.code, message: err.message, ...err.details });
    return;
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const known = fe.code ? FASTIFY_ERRORS[fe.code] : undefined;
    const body = known ? { error: known.error, message: known.message } : { error: 'invalid_input', message: fe.message };
    void reply.status(known?.status ?? fe.statusCode).send(body);
    return;
  }
  req.log.error({ err }, 'request failed');
  void reply.status(500).send({ error: 'internal', message: 'internal error; see the API log' });
}

/**
 * An onRequest hook refusing any query parameter Postgres could not store or compare (NUL, lone
 * surrogates, control characters), for every route, before its own schema runs.
 */
export async function refuseUnsafeQuery(req: FastifyRequest): Promise<void> {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const issues: { field: string; message: string }[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of [value].flat()) {
      const why = typeof v === 'string' ? (textRefusal(name, 'line') ?? textRefusal(v)) : null;
      if (why) issues.push({ field: `query.${sanitizeText(name)}`, message: why });
    }
  }
  if (issues.length > 0) throw new VigilError('invalid_input', `invalid query: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues });
}
