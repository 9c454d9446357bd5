import { describe, expect, it } from 'vitest';
import { canonicalJson, chainEntries, entryHash, GENESIS_HASH } from '../../domain/audit-hash';

describe('canonicalJson', () => {
  const cases: Array<[string, unknown, string]> = [
    // keys sorted, nested objects too
    ['sorted keys', { b: 1, a: { d: [1, 'x'], c: null } }, '{"a":{"c":null,"d":[1,"x"]},"b":1}'],
    // undefined members vanish as they do in JSON and jsonb; in arrays they become null
    ['undefined', { a: undefined, b: [undefined] }, '{"b":[null]}'],
    // strings are JSON-escaped, so a key or value cannot fake a separator
    ['escaping', { 'a":1,"b': 'x"y' }, '{"a\\":1,\\"b":"x\\"y"}'],
    // dates use their JSON form
    ['date', { at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'],
    ['scalars', [true, false, 1.5, -0, 'é'], '[true,false,1.5,0,"é"]'],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('does not depend on key insertion order', () => {
    expect(canonicalJson({ x: 1, y: { p: 2, q: 3 } })).toBe(canonicalJson({ y: { q: 3, p: 2 }, x: 1 }));
  });

  it('keeps distinct values distinct', () => {
    const values = [{ a: '1' }, { a: 1 }, { a: [1] }, { a: null }, { 'a,b': 1 }, { a: 1, b: undefined }, ['a', 'b'], ['a,b']];
    const out = new Set(values.map(canonicalJson));
    // {a:1} and {a:1,b:undefined} are the same JSON value
    expect(out.size).toBe(values.length - 1);
  });

  it('refuses values jsonb cannot store back', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not representable/);
    expect(() => canonicalJson({ a: Infinity })).toThrow();
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
  });
});

describe('chainEntries', () => {
  const entries = [
    { atMicros: '1000', kind: 'a', payload: { n: 1 } },
    { atMicros: '2000', kind: 'b', payload: { n: 2 } },
  ];

  it('links each entry to the one before, from the head', () => {
    const chained = chainEntries({ seq: 0, hash: GENESIS_HASH }, entries);
    expect(chained.map((c) => c.seq)).toEqual([1, 2]);
    expect(chained[0]!.prevHash).toBe(GENESIS_HASH);
    expect(chained[1]!.prevHash).toBe(chained[0]!.hash);
    expect(chained[1]!.hash).toBe(entryHash(chained[1]!));
    expect(chained[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when seq, time, kind, payload or the previous hash changes', () => {
    const base = { seq: 5, atMicros: '1', kind: 'k', payload: { a: 1 }, prevHash: GENESIS_HASH };
    const h = entryHash(base);
    for (const change of [{ seq: 6 }, { atMicros: '2' }, { kind: 'j' }, { payload: { a: 2 } }, { prevHash: 'f'.repeat(64) }]) {
      expect(entryHash({ ...base, ...change })).not.toBe(h);
    }
    expect(entryHash({ ...base, payload: { a: 1 } })).toBe(h);
  });

  it('continues a chain identically whether appended in one batch or two', () => {
    const all = chainEntries({ seq: 0, hash: GENESIS_HASH }, entries);
    const first = chainEntries({ seq: 0, hash: GENESIS_HASH }, entries.slice(0, 1));
    const second = chainEntries({ seq: 1, hash: first[0]!.hash }, entries.slice(1));
    expect(second[0]).toEqual(all[1]);
  });
});

describe('entryHash', () => {
  it('hashes exactly the canonical JSON of seq, time, kind, payload and previous hash', async () => {
    const { createHash } = await import('node:crypto');
    const e = { seq: 3, atMicros: '17', kind: 'k"', payload: { b: [1, { d: 2, c: 1 }], a: 'x' }, prevHash: GENESIS_HASH };
    const body = canonicalJson({ at: e.atMicros, kind: e.kind, payload: e.payload, prev: e.prevHash, seq: e.seq });
    expect(entryHash(e)).toBe(createHash('sha256').update(body).digest('hex'));
  });
});

describe('describeVerifyResult', () => {
  it('names the first bad entry', async () => {
    const { describeVerifyResult } = await import('../../db/audit-log');
    expect(describeVerifyResult({ ok: true, checked: 3, checkpoints: 0 })).toBe('audit trail ok: 3 entries and 0 checkpoints verified');
    expect(describeVerifyResult({ ok: false, checked: 6, checkpoints: 0, firstBad: { seq: 7, problem: 'changed', detail: 'x' } })).toMatch(
      /^audit trail TAMPERED: entry 7 changed \(x\)/,
    );
  });
});
