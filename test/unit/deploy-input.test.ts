import { describe, expect, it } from 'vitest';
import { deployInputSchema, deployTime, MAX_FUTURE_MS } from '../../domain/deploys/deploy-input';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('deployTime', () => {
  it('dates a deploy without a time now', () => expect(deployTime(undefined, NOW)).toEqual({ t: NOW }));
  it('accepts the past and up to 5 minutes ahead (clock skew)', () => {
    expect(deployTime('2026-02-01T00:00:00Z', NOW)).toEqual({ t: Date.parse('2026-02-01T00:00:00Z') });
    expect(deployTime(new Date(NOW + MAX_FUTURE_MS).toISOString(), NOW)).toEqual({ t: NOW + MAX_FUTURE_MS });
  });
  it('refuses a time beyond 5 minutes ahead, naming at', () => {
    expect(deployTime(new Date(NOW + MAX_FUTURE_MS + 1).toISOString(), NOW)).toEqual({ field: 'at', error: 'must not be more than 5 minutes in the future' });
  });
});

describe('deployInputSchema', () => {
  it('takes service, version, at and description, and nothing else', () => {
    expect(deployInputSchema.safeParse({ service: 'checkout-rag', version: 'v1', at: '2026-01-01T00:00:00+02:00', description: 'x' }).success).toBe(true);
    expect(deployInputSchema.safeParse({ service: 'checkout-rag', version: 'v1', sha: 'abc' }).success).toBe(false);
  });
  it.each([
    [{ service: 'checkout-rag', version: 'v\u0000' }, 'version'],
    [{ service: 'checkout-rag', version: '' }, 'version'],
    [{ service: 'checkout rag', version: 'v1' }, 'service'],
    [{ service: 'checkout-rag', version: 'v1', at: '2026-01-01' }, 'at'],
    [{ service: 'checkout-rag', version: 'v1', description: 'a\u001bb' }, 'description'],
  ])('refuses %j at %s', (body, field) => {
    const r = deployInputSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual([field]);
  });
});
