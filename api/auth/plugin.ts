import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { API_KEY_PREFIX } from '../../domain/auth/api-key';
import { hasScope } from '../../domain/auth/scopes';
import { textRefusal } from '../../domain/text';
import { accessFor } from './route-access';
import { bearerToken, cookieValue, sameSecret, singleHeader } from './credentials';
import { KeyCache, proxyPrincipal, sessionPrincipal, type Principal } from './principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set on every route whose access rule is a scope. */
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'vigil_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthOptions {
  pool: Pool;
  /** `none`: every request acts as an anonymous admin (a loud warning at start and in /healthz). */
  mode: 'keys' | 'none';
  metricsPublic: boolean;
  /** Revocation bound: a key is looked up again after this long. */
  keyCacheMs: number;
  /** `tokenOrScope` routes whose own token is configured (e.g. "POST /v1/alertmanager" with ALERTMANAGER_TOKEN). */
  routeTokens?: ReadonlySet<string>;
  /** Trust `header` as the user's name or email, only from these peer addresses (oauth2-proxy in front). */
  proxy?: { header: string; trustedProxies: string[] };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function refuse(reply: FastifyReply, status: 401 | 403, error: string, message: string): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="vigil"');
  return reply.status(status).send({ error, message });
}

/**
 * Authenticates every request before its route runs: the route's rule (route-access.ts) says who
 * may call it; a route without a rule is refused. Credentials, in order: an API key (Bearer), a
 * session cookie (state-changing requests must echo its CSRF token), a trusted proxy's header.
 */
export function installAuth(app: FastifyInstance, o: AuthOptions): void {
  const keys = new KeyCache(o.pool, o.keyCacheMs);
  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // no such route: the 404/405 handlers answer
    const rule = accessFor(req.method, url, o.metricsPublic);
    if (!rule) return refuse(reply, 403, 'forbidden', `${req.method} ${url} has no access rule, so nobody may call it`);
    if (rule.kind === 'ingest' && o.mode === 'keys' && bearerToken(req.headers.authorization)?.startsWith(API_KEY_PREFIX)) {
      // An API key on an ingest route: checked here (metrics:write); an ingest token is left to the route.
      const p = await authenticate(req, o, keys);
      if ('refusal' in p) return refuse(reply, p.status, p.error, p.refusal);
      if (!hasScope(p.scopes, 'metrics:write')) return refuse(reply, 403, 'forbidden', `${p.name} lacks the scope "metrics:write" that ${req.method} ${url} needs`);
      req.principal = p;
      return;
    }
    if (rule.kind === 'page') {
      if (o.mode === 'none') {
        req.principal = { name: 'anonymous', via: 'none', scopes: ['admin'], teams: [] };
        return;
      }
      const p = await authenticate(req, o, keys);
      // A person opening a page without a session is shown the login, then brought back here.
      if ('refusal' in p) return p.status === 401 ? reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303) : refuse(reply, p.status, p.error, p.refusal);
      req.principal = p;
      return;
    }
    if (rule.kind !== 'scope' && rule.kind !== 'tokenOrScope') return; // public, or checked by the route itself (signatures, ingest tokens)
    if (o.mode === 'none') {
      req.principal = { name: 'anonymous', via: 'none', scopes: ['admin'], teams: [] };
      return;
    }
    if (rule.kind === 'tokenOrScope' && !bearerToken(req.headers.authorization)?.startsWith(API_KEY_PREFIX)) {
      if (o.routeTokens?.has(`${req.method} ${url}`)) return; // the route checks its own token
      return refuse(reply, 401, 'unauthorized', `send an API key holding "${rule.scope}" as "Authorization: Bearer vk_…"${url === '/v1/alertmanager' ? ', or configure ALERTMANAGER_TOKEN' : ''}`);
    }
    const principal = await authenticate(req, o, keys);
    if ('refusal' in principal) return refuse(reply, principal.status, principal.error, principal.refusal);
    if (!hasScope(principal.scopes, rule.scope)) {
      return refuse(reply, 403, 'forbidden', `${principal.name} lacks the scope "${rule.scope}" that ${req.method} ${url} needs`);
    }
    req.principal = principal;
  });
}

/** The peer's address as configured: an IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d. */
const peerAddress = (req: FastifyRequest) => (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

type Refusal = { refusal: string; status: 401 | 403; error: string };

async function authenticate(req: FastifyRequest, o: AuthOptions, keys: KeyCache): Promise<Principal | Refusal> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = bearerToken(authorization);
    const p = token ? await keys.get(token) : null;
    return p ?? { refusal: 'the API key is not valid (unknown, revoked or expired) or not sent as "Authorization: Bearer vk_…"', status: 401, error: 'unauthorized' };
  }
  const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (sessionId) {
    const p = await sessionPrincipal(o.pool, sessionId);
    if (!p) return { refusal: 'the session has expired or was ended; log in again', status: 401, error: 'unauthorized' };
    // A cookie rides along on cross-site requests; the token in a header does not.
    if (!SAFE_METHODS.has(req.method) && !sameSecret(singleHeader(req.headers[CSRF_HEADER]), p.csrfToken ?? '')) {
      return { refusal: `a ${req.method} with a session cookie must send the session's CSRF token in X-CSRF-Token`, status: 403, error: 'csrf' };
    }
    return p;
  }
  if (o.proxy && o.proxy.trustedProxies.includes(peerAddress(req))) {
    const asserted = singleHeader(req.headers[o.proxy.header.toLowerCase()], 320);
    // A name Postgres cannot compare (NUL, control characters) names nobody.
    if (asserted && textRefusal(asserted, 'line')) return { refusal: `the proxy's ${o.proxy.header} header is not a name`, status: 403, error: 'forbidden' };
    if (asserted) {
      const p = await proxyPrincipal(o.pool, asserted);
      return p ?? { refusal: `the proxy vouches for "${asserted}", who is not a Vigil user; ask an admin to add them`, status: 403, error: 'forbidden' };
    }
  }
  return { refusal: 'send an API key as "Authorization: Bearer vk_…" (vigil keys create), or log in', status: 401, error: 'unauthorized' };
}
