import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Reading credentials off a request without trusting their shape: any header may be missing,
 * repeated, empty, huge or hold any bytes, and none of that may reach a database query or throw.
 */
const MAX_CREDENTIAL = 512;

/** The bearer token of an `Authorization` header, or null (none, another scheme, repeated, oversized). */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || header.length > MAX_CREDENTIAL + 7) return null;
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  return m ? m[1]! : null;
}

/** One cookie's value from a `Cookie` header, or null. */
export function cookieValue(header: string | string[] | undefined, name: string): string | null {
  if (typeof header !== 'string' || header.length > 8192) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return v.length > 0 && v.length <= MAX_CREDENTIAL && /^[A-Za-z0-9_-]+$/.test(v) ? v : null;
  }
  return null;
}

/** A single-valued header as text, or null when missing, repeated or oversized. */
export function singleHeader(header: string | string[] | undefined, max = MAX_CREDENTIAL): string | null {
  return typeof header === 'string' && header.length > 0 && header.length <= max ? header : null;
}

/** Constant-time equality of a presented secret and the expected one (hashed first, so lengths never differ). */
export function sameSecret(presented: string | null, expected: string): boolean {
  if (!presented || expected === '') return false;
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
