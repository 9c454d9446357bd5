import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Path patterns of the registered routes and the methods each answers, learnt from the onRoute hook. */
interface RouteTable {
  pattern: RegExp;
  methods: Set<string>;
}

function patternOf(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}$`);
}

/**
 * Records every route registered after it, so the not-found handler can tell an unknown path (404)
 * from a known path asked with the wrong method (405 with `Allow`). Register it before any route.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const table = new Map<string, RouteTable>();
  app.addHook('onRoute', (route) => {
    const entry = table.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const m of [route.method].flat()) entry.methods.add(m.toUpperCase());
    table.set(route.url, entry);
  });
  return (path) => {
    const methods = new Set<string>();
    for (const { pattern, methods: ms } of table.values()) if (pattern.test(path)) ms.forEach((m) => methods.add(m));
    return [...methods].sort();
  };
}

/** The not-found handler: 405 + Allow for a known path, else 404, both in the one error shape. */
export function notFoundHandler(allowedFor: (path: string) => string[]) {
  return (req: FastifyRequest, reply: FastifyReply): void => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedFor(path);
    if (allowed.length > 0) {
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}` });
      return;
    }
    void reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${path}; see GET /openapi.json` });
  };
}

/**
 * An onRequest hook: a known path asked with a method it does not answer gets 405 + Allow before its
 * body is parsed (otherwise a body-carrying method like QUERY fails on its content type first).
 */
export function refuseWrongMethod(allowedFor: (path: string) => string[]) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedFor(path);
    if (allowed.length === 0 || allowed.includes(req.method)) return;
    await reply
      .status(405)
      .header('allow', allowed.join(', '))
      .send({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}` });
  };
}

/**
 * Requests Node's HTTP parser refuses before any route sees them, answered in the one error shape:
 * a method HTTP does not know → 501 (RFC 9110 §15.6.2), anything else → 400.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: { writable: boolean; end(data: string): void }): void {
  if (!socket.writable) return;
  const unknownMethod = err.code === 'HPE_INVALID_METHOD';
  const status = unknownMethod ? 501 : 400;
  const body = JSON.stringify(
    unknownMethod
      ? { error: 'method_not_implemented', message: 'the request method is not one HTTP defines; see GET /openapi.json' }
      : { error: 'bad_request', message: 'the request could not be parsed as HTTP' },
  );
  socket.end(`HTTP/1.1 ${status} ${unknownMethod ? 'Not Implemented' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
