import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The actions a signed link may perform; the rest need Slack, the CLI or the API. */
export type LinkAction = 'acknowledge' | 'resolve';

/** What a token binds together: one incident, one action, one person, until a deadline, usable once (the nonce). */
export interface ActionTokenClaims {
  workflowId: string;
  /** The incident's first run ID: a workflow ID is reused by later incidents of the same problem, this is not. */
  incidentId: string;
  action: LinkAction;
  /** Epoch milliseconds; the token is expired from this instant on. */
  expiresAt: number;
  nonce: string;
  recipient: string;
}

/** Why a token was refused: 'expired' only once the signature proved the claims genuine. */
export type ActionTokenRefusal = 'malformed' | 'bad_signature' | 'expired';

/** Either the genuine, unexpired claims, or why the token was refused. */
export type VerifyActionTokenResult = { ok: true; claims: ActionTokenClaims } | { ok: false; reason: ActionTokenRefusal };

// Short keys keep links short enough to survive plain-text mail clients that wrap long lines.
const wireSchema = z
  .object({
    w: z.string().min(1),
    i: z.string().min(1),
    a: z.enum(['acknowledge', 'resolve']),
    x: z.number().int(),
    n: z.string().min(1),
    r: z.string(),
  })
  .strict();

const PART = /^[A-Za-z0-9_-]+$/;
/** Longer input is refused before any work: real tokens are a few hundred characters. */
const MAX_TOKEN_LENGTH = 4096;

function signature(payload: string, secret: string): string {
  if (secret.length === 0) throw new Error('action token secret must not be empty');
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Signs claims into a compact, URL-safe token: base64url(JSON claims) "." base64url(HMAC-SHA256). */
export function signActionToken(claims: ActionTokenClaims, secret: string): string {
  const wire = { w: claims.workflowId, i: claims.incidentId, a: claims.action, x: claims.expiresAt, n: claims.nonce, r: claims.recipient };
  const payload = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
  return `${payload}.${signature(payload, secret)}`;
}

/**
 * Checks a token's signature (in constant time) and expiry at `now`. The HMAC covers the encoded
 * text and is compared as text, so no second spelling of the same bytes verifies.
 */
export function verifyActionToken(token: string, secret: string, now: number): VerifyActionTokenResult {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload, sig] = parts as [string, string];
  if (!PART.test(payload) || !PART.test(sig)) return { ok: false, reason: 'malformed' };

  const expected = Buffer.from(signature(payload, secret), 'utf8');
  const given = Buffer.from(sig, 'utf8');
  // A length mismatch reveals only the length of an HMAC-SHA256, which is public.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };

  let wire: z.output<typeof wireSchema>;
  try {
    const parsed = wireSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, reason: 'malformed' };
    wire = parsed.data;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (now >= wire.x) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { workflowId: wire.w, incidentId: wire.i, action: wire.a, expiresAt: wire.x, nonce: wire.n, recipient: wire.r } };
}

/** The claims of a token whose signature is genuine, expired or not (to tell people when it expired). */
export function claimsIgnoringExpiry(token: string, secret: string): ActionTokenClaims | null {
  const r = verifyActionToken(token, secret, Number.NEGATIVE_INFINITY);
  return r.ok ? r.claims : null;
}
