import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fingerprint, incidentWorkflowId } from '../../domain/fingerprint';
import { nameSchema } from '../../domain/names';

type Triple = [service: string, kind: string, dimension: string];

// Service and kind names as nameSchema allows them; dimensions are free text.
const nameArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,24}$/);
const dimensionArb = fc.string({ maxLength: 40 });
const tripleArb = fc.tuple(nameArb, nameArb, dimensionArb);

describe('fingerprint', () => {
  it('is 16 lower-case hex characters, for plain, empty and non-ASCII input', () => {
    const triples: Triple[] = [
      ['search-api', 'response_time_sla', 'p95'],
      ['a', 'b', ''],
      ['rag.retriever', 'quality_sla', 'embeddings — ünïcode 🚨'],
    ];
    for (const t of triples) expect(fingerprint(...t)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is stable: the same triple always gives the same fingerprint', () => {
    fc.assert(
      fc.property(tripleArb, (t) => {
        expect(fingerprint(...t)).toBe(fingerprint(...t));
        // A copy built from fresh strings hashes the same: identity is by value, not reference.
        expect(fingerprint(...(t.map((s) => `${s}`) as Triple))).toBe(fingerprint(...t));
      }),
    );
  });

  it('is FNV-1a 64 over the UTF-16LE code units of "service NUL kind NUL dimension", so fingerprints survive restarts and upgrades', () => {
    // Independent reference, checked against published FNV-1a 64 test vectors before it is trusted.
    const reference = (text: string): string => {
      let h = 0xcbf29ce484222325n;
      for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) % 2n ** 64n;
      return h.toString(16).padStart(16, '0');
    };
    expect(reference('')).toBe('cbf29ce484222325');
    expect(reference('a')).toBe('af63dc4c8601ec8c');
    expect(reference('foobar')).toBe('85944171f73967e8');
    const utf16 = (text: string): string => {
      let h = 0xcbf29ce484222325n;
      for (const byte of Buffer.from(text, 'utf16le')) h = ((h ^ BigInt(byte)) * 0x100000001b3n) % 2n ** 64n;
      return h.toString(16).padStart(16, '0');
    };
    // Workflow IDs derive from fingerprints; changing the hash would orphan every open incident.
    fc.assert(
      fc.property(tripleArb, ([s, k, d]) => {
        expect(fingerprint(s, k, d)).toBe(utf16(`${s}\u0000${k}\u0000${d}`));
      }),
    );
  });

  const base: Triple = ['search-api', 'response_time_sla', 'p95'];
  const differing: Array<{ name: string; other: Triple }> = [
    // Another service with the same problem is another incident.
    { name: 'service differs', other: ['chat-api', 'response_time_sla', 'p95'] },
    // Another kind on the same service is another incident.
    { name: 'kind differs', other: ['search-api', 'availability_sla', 'p95'] },
    // Another dimension (p99 vs p95) is another incident.
    { name: 'dimension differs', other: ['search-api', 'response_time_sla', 'p99'] },
    // Empty dimension vs a dimension.
    { name: 'dimension emptied', other: ['search-api', 'response_time_sla', ''] },
    // Case matters: names are identifiers, not prose.
    { name: 'case differs', other: ['Search-api', 'response_time_sla', 'p95'] },
  ];
  it.each(differing)('differs when $name', ({ other }) => {
    expect(fingerprint(...other)).not.toBe(fingerprint(...base));
  });

  const ambiguous: Array<{ name: string; a: Triple; b: Triple }> = [
    // A dot is legal in names, so joining with "." would make these equal.
    { name: 'dot moved from service to kind', a: ['a.b', 'c', ''], b: ['a', 'b.c', ''] },
    // Text moved between kind and dimension.
    { name: 'text moved from kind to dimension', a: ['svc', 'ab', 'c'], b: ['svc', 'a', 'bc'] },
    // Text moved between service and kind with no separator-like character at all.
    { name: 'text moved from service to kind', a: ['ab', 'c', 'd'], b: ['a', 'bc', 'd'] },
    // Fields swapped.
    { name: 'service and kind swapped', a: ['x', 'y', ''], b: ['y', 'x', ''] },
  ];
  it.each(ambiguous)('has no concatenation ambiguity: $name', ({ a, b }) => {
    expect(fingerprint(...a)).not.toBe(fingerprint(...b));
  });

  it('gives distinct fingerprints to distinct triples in a sample of 2,000', () => {
    fc.assert(
      fc.property(fc.uniqueArray(tripleArb, { minLength: 2000, maxLength: 2000, selector: (t) => JSON.stringify(t) }), (triples) => {
        const seen = new Set(triples.map((t) => fingerprint(...t)));
        expect(seen.size).toBe(triples.length);
      }),
      { numRuns: 5 },
    );
  });

  it('only generates names nameSchema accepts (the injectivity argument depends on it)', () => {
    fc.assert(fc.property(nameArb, (n) => nameSchema.safeParse(n).success));
    // The separator is NUL, which nameSchema refuses in service and kind.
    expect(nameSchema.safeParse('a\u0000b').success).toBe(false);
  });

  // Regression: hashing UTF-8 (TextEncoder) mapped every lone surrogate to U+FFFD, so such names collided.
  it('differs for dimensions that differ only in lone surrogates', () => {
    const fps = ['\uD800', '\uDBFF', '\uFFFD'].map((d) => fingerprint('s', 'k', d));
    expect(new Set(fps).size).toBe(3);
  });
});

describe('incidentWorkflowId', () => {
  const cases: Array<{ fp: string; id: string }> = [
    // The workflow ID is the fingerprint under a fixed prefix, so signal-with-start dedups by fingerprint.
    { fp: '0123456789abcdef', id: 'incident/0123456789abcdef' },
    { fp: fingerprint('a', 'b', 'c'), id: `incident/${fingerprint('a', 'b', 'c')}` },
  ];
  it.each(cases)('maps $fp to $id', ({ fp, id }) => {
    expect(incidentWorkflowId(fp)).toBe(id);
  });

  it('is one-to-one with fingerprints and URL-path safe apart from its one slash', () => {
    fc.assert(
      fc.property(tripleArb, tripleArb, (a, b) => {
        const [fa, fb] = [fingerprint(...a), fingerprint(...b)];
        expect(incidentWorkflowId(fa) === incidentWorkflowId(fb)).toBe(fa === fb);
        expect(incidentWorkflowId(fa)).toMatch(/^incident\/[0-9a-f]{16}$/);
      }),
    );
  });
});
