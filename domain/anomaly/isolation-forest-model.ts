// The forest as plain JSON: typed arrays as base64 of their little-endian bytes (exact for the
// float thresholds), the scalars as numbers. Loading checks every structural invariant, so a
// damaged or hostile model is refused with a reason instead of looping or reading out of bounds.
import { VigilError } from '../errors';
import { base64ToFloat64, base64ToInt32, float64ToBase64, int32ToBase64 } from './base64';
import type { IsolationForestModel } from './isolation-forest';

const FORMAT = 'vigil.isolation-forest';
const VERSION = 1;

/** JSON-safe form of an IsolationForestModel. */
export interface SerializedIsolationForest {
  format: typeof FORMAT;
  version: typeof VERSION;
  d: number;
  trees: number;
  sampleSize: number;
  contamination: number;
  seed: number;
  threshold: number;
  medianScore: number;
  treeOffsets: string;
  feature: string;
  split: string;
  left: string;
  size: string;
}

/** The model as a JSON-safe object (JSON.stringify it as is). */
export function serializeModel(model: IsolationForestModel): SerializedIsolationForest {
  return {
    format: FORMAT,
    version: VERSION,
    d: model.d,
    trees: model.trees,
    sampleSize: model.sampleSize,
    contamination: model.contamination,
    seed: model.seed,
    threshold: model.threshold,
    medianScore: model.medianScore,
    treeOffsets: int32ToBase64(model.treeOffsets),
    feature: int32ToBase64(model.feature),
    split: float64ToBase64(model.split),
    left: int32ToBase64(model.left),
    size: int32ToBase64(model.size),
  };
}

function fail(reason: string): never {
  throw new VigilError('invalid_input', `cannot load isolation forest model: ${reason}`);
}

/** Rebuilds a model from serializeModel's output (or its JSON.parse), validating its structure. */
export function deserializeModel(json: unknown): IsolationForestModel {
  if (typeof json !== 'object' || json === null) fail('not an object');
  const o = json as Record<string, unknown>;
  if (o.format !== FORMAT || o.version !== VERSION) fail(`expected format ${FORMAT} version ${VERSION}, got ${JSON.stringify(o.format)} version ${JSON.stringify(o.version)}`);
  const num = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${k} must be a finite number`);
    return v;
  };
  const int = (k: string, min: number): number => {
    const v = num(k);
    if (!Number.isInteger(v) || v < min) fail(`${k} must be an integer ≥ ${min}`);
    return v;
  };
  const bytes = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') fail(`${k} must be a base64 string`);
    return v;
  };
  const d = int('d', 1);
  const trees = int('trees', 1);
  const sampleSize = int('sampleSize', 2);
  const contamination = num('contamination');
  if (!(contamination > 0 && contamination <= 0.5)) fail('contamination must be in (0, 0.5]');
  const model: IsolationForestModel = {
    d,
    trees,
    sampleSize,
    contamination,
    seed: int('seed', Number.MIN_SAFE_INTEGER),
    threshold: num('threshold'),
    medianScore: num('medianScore'),
    treeOffsets: base64ToInt32(bytes('treeOffsets'), 'treeOffsets'),
    feature: base64ToInt32(bytes('feature'), 'feature'),
    split: base64ToFloat64(bytes('split'), 'split'),
    left: base64ToInt32(bytes('left'), 'left'),
    size: base64ToInt32(bytes('size'), 'size'),
  };
  checkStructure(model);
  return model;
}

// Every node reachable, every child after its parent inside its own tree: traversal terminates.
function checkStructure(m: IsolationForestModel): void {
  const nodes = m.feature.length;
  if (m.treeOffsets.length !== m.trees + 1) fail(`treeOffsets has ${m.treeOffsets.length} entries, expected ${m.trees + 1}`);
  if (m.split.length !== nodes || m.left.length !== nodes || m.size.length !== nodes) fail('node arrays differ in length');
  if (m.treeOffsets[0] !== 0 || m.treeOffsets[m.trees] !== nodes) fail('treeOffsets do not span the node arrays');
  for (let t = 0; t < m.trees; t++) {
    const start = m.treeOffsets[t]!;
    const end = m.treeOffsets[t + 1]!;
    if (!(end > start)) fail(`tree ${t} is empty`);
    for (let i = start; i < end; i++) {
      const f = m.feature[i]!;
      const l = m.left[i]!;
      const s = m.size[i]!;
      if (s < 0 || s > m.sampleSize) fail(`node ${i} has size ${s}, outside [0, ${m.sampleSize}]`);
      if (f === -1 && l === -1) continue;
      if (f < 0 || f >= m.d) fail(`node ${i} splits on feature ${f}, outside [0, ${m.d})`);
      if (!(l > i && l + 1 < end)) fail(`node ${i} has children ${l}, ${l + 1} outside its tree or not after it`);
      if (!Number.isFinite(m.split[i]!)) fail(`node ${i} has a non-finite split`);
    }
  }
}
