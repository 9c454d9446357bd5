// Scoring the detectors themselves: ROC-AUC of scores against known labels (for tests and benchmarks).
import { VigilError } from '../errors';

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * ties counting one half (Mann–Whitney U with average ranks). Higher scores mean "more anomalous".
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new VigilError('invalid_input', `rocAuc: ${n} scores but ${labels.length} labels`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new VigilError('invalid_input', `rocAuc: score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average 1-based rank of the tie group
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new VigilError('invalid_input', 'rocAuc: needs at least one positive and one negative label');
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
