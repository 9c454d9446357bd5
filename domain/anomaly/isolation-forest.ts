// Isolation Forest (Liu, Ting & Zhou, ICDM 2008) on typed arrays. Each tree is grown on a random
// subsample of ψ rows (without replacement) by splitting on a random feature at a uniformly random
// value between that feature's min and max in the node, down to depth ⌈log₂ψ⌉; anomalies are few
// and different, so they are isolated near the root. A row's score is s = 2^(−E[h]/c(ψ)), h its
// path length (plus c(leaf size) for the unbuilt subtree below a depth-limited leaf). Seeded: the
// same data, options and seed give the same model, bit for bit, and so the same scores.
import { quantileSorted } from 'simple-statistics';
import { VigilError } from '../errors';
import { createRng } from './rng';

/** Fitting options. */
export interface IsolationForestOptions {
  /** Number of trees. */
  trees?: number;
  /** Rows per tree (ψ); capped at the number of rows. */
  sampleSize?: number;
  /** Expected share of anomalies: `threshold` is the (1 − contamination) quantile of training scores. */
  contamination?: number;
  /** Seed of the PRNG (safe integer). */
  seed?: number;
  /** At most this many training rows (evenly strided) are scored to place `threshold` and `medianScore`. */
  thresholdRows?: number;
}

/**
 * A fitted forest. Nodes of all trees live in flat typed arrays; tree t owns nodes
 * treeOffsets[t] … treeOffsets[t+1]−1, its root first. An internal node sends a row to `left`
 * when row[feature] < split, else to left + 1 (children are allocated in pairs). Leaves have
 * feature = left = −1; `size` is how many subsample rows reached the node. Treat it as immutable:
 * scoring caches a rearranged copy per model object.
 */
export interface IsolationForestModel {
  d: number;
  trees: number;
  /** ψ actually used (min of the option and the row count). */
  sampleSize: number;
  contamination: number;
  seed: number;
  /** Scores at or above this are anomalies at the given contamination. */
  threshold: number;
  /** Median score of the training rows (the calibration's zero point). */
  medianScore: number;
  treeOffsets: Int32Array;
  feature: Int32Array;
  split: Float64Array;
  left: Int32Array;
  size: Int32Array;
}

const EULER_GAMMA = 0.5772156649015329;

/** c(n): average path length of an unsuccessful BST search among n points, the paper's normaliser. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Throws naming row and column of the first non-finite value. */
export function checkFiniteRows(data: Float64Array, d: number, what: string): void {
  if (!(data instanceof Float64Array)) throw new VigilError('invalid_input', `${what}: data must be a Float64Array (row-major n×d)`);
  if (!Number.isInteger(d) || d < 1) throw new VigilError('invalid_input', `${what}: d must be a positive integer, got ${d}`);
  if (data.length % d !== 0) throw new VigilError('invalid_input', `${what}: data length ${data.length} is not a multiple of d=${d}`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      throw new VigilError('invalid_input', `${what}: non-finite value ${v} at row ${Math.floor(i / d)}, column ${i % d} (index ${i}); drop or impute it first`, {
        row: Math.floor(i / d),
        column: i % d,
        value: String(v),
      });
    }
  }
}

function intIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new VigilError('invalid_input', `isolation forest: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/** Fits a forest on n×d row-major data (n ≥ 2). Throws on non-finite values, naming row and column. */
export function fitIsolationForest(data: Float64Array, d: number, options: IsolationForestOptions = {}): IsolationForestModel {
  checkFiniteRows(data, d, 'isolation forest fit');
  const n = data.length / d;
  if (n < 2) throw new VigilError('invalid_input', `isolation forest fit: needs at least 2 rows, got ${n}`);
  const trees = intIn('trees', options.trees ?? 100, 1, 100_000);
  const psi = Math.min(intIn('sampleSize', options.sampleSize ?? 256, 2, 1 << 24), n);
  const contamination = options.contamination ?? 0.01;
  if (!(contamination > 0 && contamination <= 0.5)) throw new VigilError('invalid_input', `isolation forest: contamination must be in (0, 0.5], got ${contamination}`);
  const seed = options.seed ?? 1;
  const rng = createRng(seed);
  const thresholdRows = intIn('thresholdRows', options.thresholdRows ?? 16_384, 1, Number.MAX_SAFE_INTEGER);

  const maxDepth = Math.ceil(Math.log2(psi));
  const capacity = trees * (2 * psi - 1); // splits always leave both sides non-empty
  const feature = new Int32Array(capacity);
  const split = new Float64Array(capacity);
  const left = new Int32Array(capacity);
  const size = new Int32Array(capacity);
  const treeOffsets = new Int32Array(trees + 1);

  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const work = new Int32Array(psi); // row indices of the subsample, partitioned in place
  const order = new Int32Array(d);
  for (let f = 0; f < d; f++) order[f] = f;
  // Explicit DFS stack: node, range [lo, hi) in work, depth. Depth-first keeps it ≤ maxDepth + 1 deep.
  const stackNode = new Int32Array(maxDepth + 2);
  const stackLo = new Int32Array(maxDepth + 2);
  const stackHi = new Int32Array(maxDepth + 2);
  const stackDepth = new Int32Array(maxDepth + 2);
  let next = 0;

  for (let t = 0; t < trees; t++) {
    treeOffsets[t] = next;
    // Partial Fisher–Yates on a permutation kept across trees: each prefix is a uniform sample.
    for (let i = 0; i < psi; i++) {
      const j = i + rng.int(n - i);
      const pick = perm[j]!;
      perm[j] = perm[i]!;
      perm[i] = pick;
      work[i] = pick;
    }
    stackNode[0] = next++;
    stackLo[0] = 0;
    stackHi[0] = psi;
    stackDepth[0] = 0;
    let sp = 1;
    while (sp > 0) {
      sp--;
      const node = stackNode[sp]!;
      const lo = stackLo[sp]!;
      const hi = stackHi[sp]!;
      const depth = stackDepth[sp]!;
      size[node] = hi - lo;
      feature[node] = -1;
      left[node] = -1;
      if (depth >= maxDepth || hi - lo <= 1) continue;
      // A uniformly random feature among those not constant in this node (a leaf if all are).
      let q = -1;
      let min = 0;
      let max = 0;
      for (let a = 0; a < d && q < 0; a++) {
        const b = a + rng.int(d - a);
        const f = order[b]!;
        order[b] = order[a]!;
        order[a] = f;
        min = Infinity;
        max = -Infinity;
        for (let i = lo; i < hi; i++) {
          const v = data[work[i]! * d + f]!;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max > min) q = f;
      }
      if (q < 0) continue;
      let p = min + rng.next() * (max - min);
      if (!(p > min)) p = max; // rounding can land on min; then split off the maxima instead
      let i = lo;
      let j = hi - 1;
      while (i <= j) {
        if (data[work[i]! * d + q]! < p) i++;
        else {
          const tmp = work[i]!;
          work[i] = work[j]!;
          work[j--] = tmp;
        }
      }
      const child = next;
      next += 2;
      feature[node] = q;
      split[node] = p;
      left[node] = child;
      stackNode[sp] = child + 1;
      stackLo[sp] = i;
      stackHi[sp] = hi;
      stackDepth[sp++] = depth + 1;
      stackNode[sp] = child;
      stackLo[sp] = lo;
      stackHi[sp] = i;
      stackDepth[sp++] = depth + 1;
    }
  }
  treeOffsets[trees] = next;
  const model: IsolationForestModel = {
    d,
    trees,
    sampleSize: psi,
    contamination,
    seed,
    threshold: 0,
    medianScore: 0,
    treeOffsets,
    feature: feature.slice(0, next),
    split: split.slice(0, next),
    left: left.slice(0, next),
    size: size.slice(0, next),
  };
  calibrate(model, data, thresholdRows);
  return model;
}

// Places threshold and medianScore on an evenly strided subset of the training rows.
function calibrate(model: IsolationForestModel, data: Float64Array, maxRows: number): void {
  const { d } = model;
  const n = data.length / d;
  const stride = Math.ceil(n / maxRows);
  const rows = new Float64Array(Math.ceil(n / stride) * d);
  for (let r = 0, k = 0; r < n; r += stride, k++) rows.set(data.subarray(r * d, r * d + d), k * d);
  const sorted = Array.from(scoreRows(model, rows).sort());
  model.threshold = quantileSorted(sorted, 1 - model.contamination);
  model.medianScore = quantileSorted(sorted, 0.5);
}

/**
 * The forest rearranged for fast scoring (derived from the model, never serialised): leaves loop
 * to themselves with an +∞ threshold, so every walk takes exactly its tree's depth in steps with
 * no data-dependent branch, and `leaf` holds each leaf's h = depth + c(size).
 */
interface Compiled {
  next: Int32Array;
  feat: Int32Array;
  thr: Float64Array;
  leaf: Float64Array;
  depth: Int32Array; // per tree: its deepest leaf
}

const compiledCache = new WeakMap<IsolationForestModel, Compiled>();

function compile(model: IsolationForestModel): Compiled {
  const cached = compiledCache.get(model);
  if (cached) return cached;
  const { feature, left, split, size, treeOffsets, trees } = model;
  const nodes = feature.length;
  const c: Compiled = { next: new Int32Array(nodes), feat: new Int32Array(nodes), thr: new Float64Array(nodes), leaf: new Float64Array(nodes), depth: new Int32Array(trees) };
  const nodeDepth = new Int32Array(nodes);
  for (let t = 0; t < trees; t++) {
    let deepest = 0;
    // Children always follow their parent, so one forward pass knows every node's depth.
    for (let i = treeOffsets[t]!; i < treeOffsets[t + 1]!; i++) {
      const l = left[i]!;
      if (l >= 0) {
        nodeDepth[l] = nodeDepth[l + 1] = nodeDepth[i]! + 1;
        c.next[i] = l;
        c.feat[i] = feature[i]!;
        c.thr[i] = split[i]!;
      } else {
        c.next[i] = i;
        c.thr[i] = Infinity; // finite values never reach it: the walk stays on the leaf
        c.leaf[i] = nodeDepth[i]! + averagePathLength(size[i]!);
        if (nodeDepth[i]! > deepest) deepest = nodeDepth[i]!;
      }
    }
    c.depth[t] = deepest;
  }
  compiledCache.set(model, c);
  return c;
}

// Tree by tree (one tree's nodes stay in L1), four rows at a time: their walks are independent
// chains of loads, so the CPU overlaps them. Sums per row in tree order: results do not depend on
// the interleaving, only on the model and the row.
function scoreRows(model: IsolationForestModel, rows: Float64Array): Float64Array {
  const { d, trees, treeOffsets } = model;
  const { next, feat, thr, leaf, depth } = compile(model);
  const n = rows.length / d;
  const total = new Float64Array(n);
  for (let t = 0; t < trees; t++) {
    const root = treeOffsets[t]!;
    const steps = depth[t]!;
    let r = 0;
    for (; r + 4 <= n; r += 4) {
      const b0 = r * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let n0 = root;
      let n1 = root;
      let n2 = root;
      let n3 = root;
      for (let k = 0; k < steps; k++) {
        n0 = next[n0]! + Number(rows[b0 + feat[n0]!]! >= thr[n0]!);
        n1 = next[n1]! + Number(rows[b1 + feat[n1]!]! >= thr[n1]!);
        n2 = next[n2]! + Number(rows[b2 + feat[n2]!]! >= thr[n2]!);
        n3 = next[n3]! + Number(rows[b3 + feat[n3]!]! >= thr[n3]!);
      }
      total[r]! += leaf[n0]!;
      total[r + 1]! += leaf[n1]!;
      total[r + 2]! += leaf[n2]!;
      total[r + 3]! += leaf[n3]!;
    }
    for (; r < n; r++) {
      const b = r * d;
      let node = root;
      for (let k = 0; k < steps; k++) node = next[node]! + Number(rows[b + feat[node]!]! >= thr[node]!);
      total[r]! += leaf[node]!;
    }
  }
  const scale = -1 / (trees * averagePathLength(model.sampleSize));
  for (let r = 0; r < n; r++) total[r] = 2 ** (total[r]! * scale);
  return total;
}

/** Scores n×d row-major rows: s = 2^(−E[h]/c(ψ)) in (0, 1]; ≈ 1 anomalous, ≤ 0.5 ordinary. */
export function scoreIsolationForest(model: IsolationForestModel, rows: Float64Array, d: number): Float64Array {
  checkFiniteRows(rows, d, 'isolation forest score');
  if (d !== model.d) throw new VigilError('invalid_input', `isolation forest score: rows have d=${d} features, the model was fitted on ${model.d}`);
  return scoreRows(model, rows);
}

export { serializeModel, deserializeModel, type SerializedIsolationForest } from './isolation-forest-model';
export { createIsolationForestDetector, restoreIsolationForestDetector, type IsolationForestDetectorOptions } from './isolation-forest-detector';
