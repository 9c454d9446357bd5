import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, formatApiKey, parseApiKey } from '../../domain/auth/api-key';
import { DEFAULT_LOCKOUT, lockedUntil } from '../../domain/auth/lockout';
import { ROLES, SCOPES, grantableScopes, hasScope, scopesOfRoles } from '../../domain/auth/scopes';

describe('scopes and roles', () => {
  it('a viewer reads, a responder also acts, an admin does everything', () => {
    const viewer = scopesOfRoles(['viewer']);
    const responder = scopesOfRoles(['responder']);
    const admin = scopesOfRoles(['admin']);
    expect(hasScope(viewer, 'incidents:read')).toBe(true);
    expect(hasScope(viewer, 'incidents:write')).toBe(false);
    expect(hasScope(responder, 'incidents:write')).toBe(true);
    expect(hasScope(responder, 'silences:write')).toBe(true);
    expect(hasScope(responder, 'admin')).toBe(false);
    for (const s of SCOPES) expect(hasScope(admin, s)).toBe(true);
  });
  it('each role can do at least what the one below it can', () => {
    for (let i = 1; i < ROLES.length; i++) {
      const lower = scopesOfRoles([ROLES[i - 1]!]);
      const higher = scopesOfRoles([ROLES[i]!]);
      for (const s of lower) expect(hasScope(higher, s)).toBe(true);
    }
  });
  it('a key never carries more than its creator holds', () => {
    expect(grantableScopes(scopesOfRoles(['responder']), ['incidents:write'])).toEqual({ ok: true });
    expect(grantableScopes(scopesOfRoles(['responder']), ['incidents:read', 'admin'])).toEqual({ ok: false, scope: 'admin' });
    expect(grantableScopes(scopesOfRoles(['admin']), ['metrics:write', 'act-as'])).toEqual({ ok: true });
  });
});

describe('API key format', () => {
  const key = { id: '0123456789ab', secret: 'A'.repeat(43) };
  it('round-trips', () => {
    expect(parseApiKey(formatApiKey(key))).toEqual(key);
  });
  it.each(['', 'vk_', `${API_KEY_PREFIX}0123456789ab`, `vk_0123456789AB_${'A'.repeat(43)}`, `vk_0123456789ab_${'A'.repeat(42)}`, `vgl_0123456789ab_${'A'.repeat(43)}`, `vk_0123456789ab_${'A'.repeat(42)}\u0000`, 'x'.repeat(10_000)])(
    'refuses %j without a lookup',
    (s) => {
      expect(parseApiKey(s)).toBeNull();
    },
  );
  it('never throws, whatever is presented', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      const p = parseApiKey(s);
      if (p) expect(formatApiKey(p)).toBe(s);
    }));
  });
});

describe('login lockout', () => {
  const min = 60_000;
  it('allows the first few failures, then doubles the wait from the last one, up to the cap', () => {
    const at = (n: number) => Array.from({ length: n }, (_, i) => i * 1000);
    expect(lockedUntil(at(4), 5000)).toBe(0);
    expect(lockedUntil(at(5), 5000)).toBe(4000 + min);
    expect(lockedUntil(at(6), 6000)).toBe(5000 + 2 * min);
    expect(lockedUntil(at(12), 12_000)).toBe(11_000 + DEFAULT_LOCKOUT.maxLockMs);
  });
  it('forgets failures older than the window and ends the lock when it is over', () => {
    const old = Array.from({ length: 10 }, (_, i) => i);
    expect(lockedUntil(old, DEFAULT_LOCKOUT.windowMs + 100)).toBe(0);
    expect(lockedUntil([0, 1, 2, 3, 4], 4 + min + 1)).toBe(0);
  });
});
