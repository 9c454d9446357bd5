import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimsIgnoringExpiry, signActionToken, verifyActionToken, type ActionTokenClaims } from '../../domain/action-token';

const SECRET = 'action-link-secret-for-tests';
const NOW = Date.UTC(2024, 0, 15, 10, 0, 0);

const claims: ActionTokenClaims = {
  workflowId: 'incident/abc123',
  incidentId: '0c6b8a1e-run',
  action: 'acknowledge',
  expiresAt: NOW + 60_000,
  nonce: 'n-0001',
  recipient: 'alice@example.com',
};

const token = signActionToken(claims, SECRET);
const [payload, sig] = token.split('.') as [string, string];

/** Re-encodes edited claims under the original signature, as an attacker without the secret would. */
function withClaims(edit: Record<string, unknown>): string {
  const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${Buffer.from(JSON.stringify({ ...wire, ...edit })).toString('base64url')}.${sig}`;
}

/** Changes one character to another one of the base64url alphabet. */
function flip(text: string, index: number): string {
  const c = text[index]!;
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('action tokens', () => {
  it('round-trips the claims and is URL-safe', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: true, claims });
    expect(encodeURIComponent(token)).toBe(token);
  });

  it.each([
    // each case: a tampered or broken token, and the reason it must be refused with
    ['workflow ID edited', withClaims({ w: 'incident/other' }), 'bad_signature'],
    ['action edited (acknowledge → resolve)', withClaims({ a: 'resolve' }), 'bad_signature'],
    ['expiry pushed back', withClaims({ x: NOW + 10 * 86_400_000 }), 'bad_signature'],
    ['recipient edited', withClaims({ r: 'mallory@example.com' }), 'bad_signature'],
    ['nonce edited (to reuse a link)', withClaims({ n: 'n-0002' }), 'bad_signature'],
    ['first signature character changed', `${payload}.${flip(sig, 0)}`, 'bad_signature'],
    ['last signature character changed', `${payload}.${flip(sig, sig.length - 1)}`, 'bad_signature'],
    ['signature truncated', token.slice(0, -5), 'bad_signature'],
    ['signature dropped', `${payload}.`, 'malformed'],
    ['cut before the dot', payload, 'malformed'],
    ['signed with another secret', signActionToken(claims, 'another-secret'), 'bad_signature'],
    ['garbage', 'not a token at all', 'malformed'],
    ['garbage shaped like a token', 'abc.def', 'bad_signature'],
    ['empty', '', 'malformed'],
    ['three parts', `${token}.x`, 'malformed'],
    ['percent-encoded characters', `${payload}%2E${sig}`, 'malformed'],
    ['absurdly long', `${'a'.repeat(5000)}.${sig}`, 'malformed'],
  ])('refuses %s as %s', (_name, tampered, reason) => {
    expect(verifyActionToken(tampered, SECRET, NOW)).toEqual({ ok: false, reason });
  });

  it.each([
    // each case: a payload signed with the real secret (only a secret holder could) that is still not valid claims
    ['missing fields', { w: 'incident/abc123' }],
    ['an unknown action', { w: 'incident/abc123', a: 'snooze', x: NOW + 1, n: 'n', r: '' }],
    ['a non-numeric expiry', { w: 'incident/abc123', a: 'resolve', x: 'tomorrow', n: 'n', r: '' }],
    ['extra fields', { w: 'incident/abc123', a: 'resolve', x: NOW + 1, n: 'n', r: '', admin: true }],
    ['not JSON', 'not json'],
  ])('refuses a genuinely signed payload with %s as malformed', (_name, wire) => {
    const p = Buffer.from(typeof wire === 'string' ? wire : JSON.stringify(wire)).toString('base64url');
    const t = `${p}.${createHmac('sha256', SECRET).update(p).digest('base64url')}`;
    expect(verifyActionToken(t, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is valid until the millisecond before expiresAt and expired at exactly expiresAt', () => {
    expect(verifyActionToken(token, SECRET, claims.expiresAt - 1).ok).toBe(true);
    expect(verifyActionToken(token, SECRET, claims.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyActionToken(token, SECRET, claims.expiresAt + 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('reads the claims of an expired but genuine token, and of nothing else', () => {
    expect(claimsIgnoringExpiry(token, SECRET)).toEqual(claims);
    expect(claimsIgnoringExpiry(withClaims({ x: NOW + 1 }), SECRET)).toBeNull();
  });

  it('never puts the secret in the token', () => {
    expect(token).not.toContain(SECRET);
    expect(Buffer.from(payload, 'base64url').toString('utf8')).not.toContain(SECRET);
  });

  it('refuses to sign or verify with an empty secret', () => {
    expect(() => signActionToken(claims, '')).toThrow(/secret must not be empty/);
    expect(() => verifyActionToken(token, '', NOW)).toThrow(/secret must not be empty/);
  });
});

describe('action tokens (properties)', () => {
  const claimsArb: fc.Arbitrary<ActionTokenClaims> = fc.record({
    workflowId: fc.string({ minLength: 1, unit: 'binary' }),
    incidentId: fc.string({ minLength: 1 }),
    action: fc.constantFrom('acknowledge' as const, 'resolve' as const),
    expiresAt: fc.integer({ min: 1, max: 2 ** 47 }),
    nonce: fc.string({ minLength: 1 }),
    recipient: fc.string({ unit: 'binary' }),
  });
  const secretArb = fc.string({ minLength: 1, maxLength: 64 });

  it('verifies whatever it signed, before expiry, with the same secret', () => {
    fc.assert(
      fc.property(claimsArb, secretArb, (c, secret) => {
        const r = verifyActionToken(signActionToken(c, secret), secret, c.expiresAt - 1);
        expect(r).toEqual({ ok: true, claims: c });
      }),
    );
  });

  it('refuses any single-character change anywhere in the token', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(claimsArb, fc.nat(), fc.constantFrom(...alphabet), (c, at, replacement) => {
        const t = signActionToken(c, SECRET);
        const i = at % t.length;
        fc.pre(t[i] !== replacement);
        const edited = t.slice(0, i) + replacement + t.slice(i + 1);
        expect(verifyActionToken(edited, SECRET, c.expiresAt - 1).ok).toBe(false);
      }),
    );
  });

  it('refuses tokens signed with any other secret as bad_signature', () => {
    fc.assert(
      fc.property(claimsArb, secretArb, secretArb, (c, a, b) => {
        fc.pre(a !== b);
        expect(verifyActionToken(signActionToken(c, a), b, c.expiresAt - 1)).toEqual({ ok: false, reason: 'bad_signature' });
      }),
    );
  });

  it('never throws and never accepts arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (input) => {
        expect(verifyActionToken(input, SECRET, NOW).ok).toBe(false);
      }),
    );
  });
});
