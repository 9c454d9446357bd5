import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DUMMY_HASH, verifyPassword } from '../../app/auth/password';
import { clearLoginFailures, getUser, recentLoginFailures, recordLoginFailure } from '../../db/auth/users';
import { createSession, deleteSession } from '../../db/auth/sessions';
import { DEFAULT_LOCKOUT, lockedUntil } from '../../domain/auth/lockout';
import { scopesOfRoles } from '../../domain/auth/scopes';
import { safeLine } from '../../domain/text-schema';
import { parseOr400 } from '../errors';
import { cookieValue } from './credentials';
import { SESSION_COOKIE } from './plugin';

const loginBody = z.strictObject({
  user: safeLine({ max: 200, min: 1, trim: true }),
  password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
});

export interface LoginOptions {
  pool: Pool;
  sessionTtlMs: number;
  /** Mark the cookie Secure (HTTPS, or behind a TLS proxy): always, except plain-HTTP development. */
  secureCookies: boolean;
}

/** Password login for the console: a session cookie (httpOnly, SameSite=Strict) plus a CSRF token for its writes. */
export function loginRoutes(app: FastifyInstance, o: LoginOptions): void {
  const cookie = (value: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${o.secureCookies ? '; Secure' : ''}`;

  app.post('/v1/auth/login', async (req, reply) => {
    const { user: name, password } = parseOr400(loginBody, req.body ?? {}, 'body');
    const until = lockedUntil(await recentLoginFailures(o.pool, name, DEFAULT_LOCKOUT.windowMs), Date.now());
    if (until > 0) {
      const wait = Math.ceil((until - Date.now()) / 1000);
      return reply.status(429).header('retry-after', String(wait)).send({ error: 'locked', message: `too many failed logins for ${name}; try again in ${wait} s` });
    }
    const user = await getUser(o.pool, name);
    // The same scrypt work whether or not the user exists, so timing does not reveal who does.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabledAt !== null) {
      await recordLoginFailure(o.pool, name);
      return reply.status(401).send({ error: 'unauthorized', message: 'unknown user or wrong password' });
    }
    await clearLoginFailures(o.pool, name);
    const s = await createSession(o.pool, user.name, o.sessionTtlMs);
    return reply
      .header('set-cookie', cookie(s.id, Math.floor(o.sessionTtlMs / 1000)))
      .send({ user: user.name, roles: user.roles, scopes: scopesOfRoles(user.roles), csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() });
  });

  app.post('/v1/auth/logout', async (req, reply) => {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id) await deleteSession(o.pool, id);
    return reply.header('set-cookie', cookie('', 0)).status(204).send();
  });

  app.get('/v1/auth/me', async (req) => {
    const p = req.principal!;
    return { name: p.name, via: p.via, scopes: p.scopes, teams: p.teams, ...(p.keyId ? { keyId: p.keyId } : {}) };
  });
}
