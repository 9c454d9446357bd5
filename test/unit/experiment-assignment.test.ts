// The fast ASCII path of pointFor must give exactly the points of the general UTF-8 path and of
// the code it replaced (bench/experiments-point-v1.ts): the points are a cross-language contract.
import { describe, expect, it } from 'vitest';
import { pointForV1 } from '../../bench/experiments-point-v1';
import { pointFor, sliceThresholds, variantPicker } from '../../domain/experiments/assignment';
import { createRng } from '../../domain/anomaly/rng';

function bigintPoint(experiment: string, salt: string, unit: string): number {
  const M = 0xffffffffffffffffn;
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(`${experiment}:${salt}:${unit}`)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M;
  h ^= h >> 33n;
  return Number(h >> 11n) / 2 ** 53;
}

describe('assignment point (issue 17 fast path)', () => {
  const rng = createRng(5);
  const ascii = Array.from({ length: 20_000 }, (_, i) => (i < 1000 ? `user-${i}` : String.fromCharCode(...Array.from({ length: rng.int(48) }, () => rng.int(128)))));

  it('equals the BigInt definition and the pre-issue-17 code on 20,000 ASCII ids', () => {
    const now = pointFor('reranker-v2', 's1');
    const before = pointForV1('reranker-v2', 's1');
    for (const u of ascii) {
      const p = now(u);
      expect(p).toBe(before(u));
      expect(p).toBe(bigintPoint('reranker-v2', 's1', u));
    }
  });

  it('equals the BigInt definition for non-ASCII ids (the UTF-8 path)', () => {
    for (const u of ['é', 'user-ü-1', '日本語', 'x\u{1F600}y', 'lone\ud800']) expect(pointFor('e', 's')(u)).toBe(bigintPoint('e', 's', u));
  });

  it('the two-variant fast path picks as the general loop does', () => {
    const v2 = [
      { name: 'a', weight: 0.3 },
      { name: 'b', weight: 0.7 },
    ];
    const fast = variantPicker(v2, 'e', 's');
    const loop = variantPicker([...v2, { name: 'c', weight: 0 }], 'e', 's');
    for (const u of ascii.slice(0, 5000)) expect(fast(u).name).toBe(loop(u).name);
  });

  // The thresholds fold the weights in at refresh; they must draw exactly the slices of
  // `point × total < cumulative weight`, rounding included (0.1 + 0.2 is not 0.3 in doubles).
  it('slice thresholds are exactly the float slices, at the threshold and on 20,000 ids', () => {
    for (const weights of [[0.1, 0.2, 0.7], [50, 30, 20], [1, 1, 1], [0.9, 0.1], [3, 0, 4]]) {
      const total = weights.reduce((a, b) => a + b, 0);
      const t = sliceThresholds(weights);
      let edge = 0;
      for (let i = 0; i < weights.length - 1; i++) {
        edge += weights[i]!;
        expect(t[i]! * total < edge).toBe(false);
        if (t[i]! > 0) expect((t[i]! - 2 ** -53) * total < edge).toBe(true);
      }
      expect(t[weights.length - 1]).toBe(Infinity);
      const point = pointFor('e', 's');
      const variants = weights.map((weight, i) => ({ name: `v${i}`, weight }));
      const pick = variantPicker(variants, 'e', 's');
      for (const u of ascii) {
        const p = point(u) * total;
        let e = 0;
        const want = variants.find((v) => p < (e += v.weight)) ?? variants.at(-1)!;
        expect(pick(u).name).toBe(want.name);
      }
    }
  });
});
