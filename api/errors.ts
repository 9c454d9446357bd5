import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { VigilError, type VigilErrorCode } from '../domain/errors';

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
  throw new VigilError('invalid_input', `invalid ${where}`, {
    issues: r.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message })),
  });
}

/** Every error leaves as JSON `{ error, message, ...details }` with a fitting status; internals are not leaked. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof VigilError) {
    void reply.status(STATUS[err.code]).send({ error: err.code, message: err.message, ...err.details });
    return;
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    void reply.status(fe.statusCode).send({ error: fe.code ?? 'bad_request', message: fe.message });
    return;
  }
  req.log.error({ err }, 'request failed');
  void reply.status(500).send({ error: 'internal', message: 'internal error; see the API log' });
}
