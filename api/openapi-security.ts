import { accessFor } from './auth/route-access';
import { CSRF_HEADER, SESSION_COOKIE } from './auth/plugin';

type Json = Record<string, unknown>;

const errorRef = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const KEY_OR_SESSION = [{ apiKey: [] }, { session: [] }];

/** An OpenAPI path back to the Fastify route it documents (`{id}` → `:id`; the action links' `{token}` is a wildcard). */
const toRouteUrl = (path: string) => (path.startsWith('/actions/') ? '/actions/*' : path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1'));

/** The login routes, as the console uses them. */
function authPaths(): Json {
  const session = { type: 'object', properties: { user: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, scopes: { type: 'array', items: { type: 'string' } }, csrfToken: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } } };
  return {
    '/v1/auth/login': {
      post: {
        tags: ['auth'],
        summary: 'Log in with a password: sets the session cookie and returns the CSRF token writes must echo',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', properties: { user: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F\\u2028\\u2029]*\\S[^\\u0000-\\u001F\\u007F\\u2028\\u2029]*$' }, password: { type: 'string', minLength: 1, maxLength: 1024 } }, required: ['user', 'password'], additionalProperties: false } } },
        },
        responses: {
          200: { description: `Logged in; the \`${SESSION_COOKIE}\` cookie is set (httpOnly, Secure, SameSite=Strict)`, content: { 'application/json': { schema: session } } },
          401: { description: 'Unknown user or wrong password (the same answer for both)', ...errorRef },
          429: { description: 'Too many failed logins for this user; Retry-After says when to try again', ...errorRef },
        },
      },
    },
    '/v1/auth/logout': { post: { tags: ['auth'], summary: 'End the session named by the cookie, and clear it', responses: { 204: { description: 'Logged out' } } } },
    '/v1/auth/me': {
      get: {
        tags: ['auth'],
        summary: 'Who the credentials belong to, and what they may do',
        responses: { 200: { description: 'The caller', content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, via: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } }, teams: { type: 'array', items: { type: 'string' } } } } } } } },
      },
    },
  };
}

/**
 * Declares, per operation, the credentials api/auth/route-access.ts demands — from that table, so the
 * document and the server cannot drift — with the 401 and 403 answers they bring.
 */
export function withSecurity(doc: Json): Json {
  const paths = { ...(doc.paths as Record<string, Record<string, Json>>), ...(authPaths() as Record<string, Record<string, Json>>) };
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const rule = accessFor(method.toUpperCase(), toRouteUrl(path));
      const responses = op.responses as Json;
      const add = (code: number, description: string) => {
        if (!(code in responses)) responses[code] = { description, ...errorRef };
      };
      if (!rule || rule.kind === 'public' || rule.kind === 'signed' || rule.kind === 'page') {
        op.security = [];
        continue;
      }
      if (rule.kind === 'ingest') {
        op.security = [...((op.security as unknown[] | undefined) ?? [{ ingestToken: [] }]), { apiKey: [] }];
        op.description = `${op.description ? `${op.description} ` : ''}An ingest token reports for its own service; an API key needs the scope \`metrics:write\` and may report for any (a batch of processing events for one system: 400 otherwise).`;
      } else if (rule.kind === 'tokenOrScope') {
        op.security = [{ alertmanagerToken: [] }, { apiKey: [] }];
        op.description = `${op.description ? `${op.description} ` : ''}ALERTMANAGER_TOKEN when configured, or an API key with the scope \`${rule.scope}\`.`;
      } else {
        op.security = KEY_OR_SESSION;
        op['x-vigil-scope'] = rule.scope;
        op.description = `${op.description ? `${op.description} ` : ''}Needs the scope \`${rule.scope}\`. A session's writes must send its CSRF token in \`${CSRF_HEADER}\`.`;
      }
      add(401, 'No credentials, or not valid ones (unknown, revoked or expired key; ended session)');
      add(403, 'The credentials lack the scope this operation needs (named in the message), or a session write without its CSRF token');
    }
  }
  const components = doc.components as Json;
  return {
    ...doc,
    tags: [...(doc.tags as Json[]), { name: 'auth' }],
    security: KEY_OR_SESSION,
    paths,
    components: {
      ...components,
      securitySchemes: {
        ...(components.securitySchemes as Json),
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`vk_<id>_<secret>`) from `vigil keys create`; it carries scopes, never more than its user holds' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `A console session from POST /v1/auth/login; writes must also send \`${CSRF_HEADER}\`` },
      },
    },
  };
}
