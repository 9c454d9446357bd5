import { describe, expect, it } from 'vitest';
import { addClusterSums, emptyClusterSums } from '../../domain/stats/cluster';
import { addSums } from '../../domain/stats/sums';

describe('addSums', () => {
  it('adds every field and leaves its inputs alone', () => {
    const a = { n: 2, sum: 3.5, sumSq: 7 };
    const b = { n: 1, sum: -1, sumSq: 1 };
    expect(addSums(a, b)).toEqual({ n: 3, sum: 2.5, sumSq: 8 });
    expect(a).toEqual({ n: 2, sum: 3.5, sumSq: 7 });
  });

  it('merges per-unit sums so that empty is the identity', () => {
    const s = { ...emptyClusterSums(), k: 4, y: 10, n: 20, yy: 30, nn: 110, yn: 55 };
    expect(addClusterSums(emptyClusterSums(), s)).toEqual(s);
    expect(addClusterSums(s, s).nn).toBe(220);
  });
});
