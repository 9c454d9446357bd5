// Input checks shared by the detectors: a non-finite reading is the caller's error, and the message
// says which detector, which point (its 0-based position in the stream), which value and what it was.
import { VigilError } from '../errors';
import type { AnomalyPoint } from './detector';

/** Throws a VigilError naming the point index and value index unless the point is usable. */
export function checkPoint(detector: string, index: number, point: AnomalyPoint, width: number): void {
  if (!Number.isFinite(point.t)) {
    throw new VigilError('invalid_input', `${detector}: point ${index} has a non-finite time t=${point.t}`, { detector, index, t: point.t });
  }
  const { values } = point;
  if (!Array.isArray(values) || values.length < width) {
    throw new VigilError('invalid_input', `${detector}: point ${index} has ${Array.isArray(values) ? values.length : 'no'} values, needs at least ${width}`, { detector, index });
  }
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new VigilError(
        'invalid_input',
        `${detector}: point ${index} (t=${point.t}) has a non-finite value ${String(v)} at values[${j}]; drop or impute missing readings before scoring`,
        { detector, index, feature: j, value: String(v) },
      );
    }
  }
}

/** An integer option in [min, max], or a clear error naming it. */
export function intOption(detector: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VigilError('invalid_input', `${detector}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** A finite option in (min, max] (or [min, max] when inclusive), or a clear error naming it. */
export function numberOption(detector: string, name: string, value: number, min: number, max = Number.MAX_VALUE, inclusive = false): number {
  const above = inclusive ? value >= min : value > min;
  if (!(Number.isFinite(value) && above && value <= max)) {
    throw new VigilError('invalid_input', `${detector}: ${name} must be a number in ${inclusive ? '[' : '('}${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Narrows a snapshot to a plain object of the expected kind and version, or throws naming what is wrong. */
export function snapshotOf(json: unknown, kind: string, version: number): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VigilError('invalid_input', `cannot restore ${kind}: snapshot is not an object`);
  }
  const o = json as Record<string, unknown>;
  if (o.kind !== kind) throw new VigilError('invalid_input', `cannot restore ${kind}: snapshot is of kind ${JSON.stringify(o.kind)}`);
  if (o.version !== version) throw new VigilError('invalid_input', `cannot restore ${kind}: snapshot version ${JSON.stringify(o.version)}, expected ${version}`);
  return o;
}

/** A finite number field of a snapshot, or a clear error. */
export function finiteField(kind: string, o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new VigilError('invalid_input', `cannot restore ${kind}: ${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** An array of finite numbers in a snapshot (at most maxLength of them), or a clear error. */
export function numbersField(kind: string, o: Record<string, unknown>, key: string, maxLength: number): number[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > maxLength || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new VigilError('invalid_input', `cannot restore ${kind}: ${key} must be an array of at most ${maxLength} finite numbers`);
  }
  return v as number[];
}

/** The options object of a snapshot (validated again by the factory it is passed to). */
export function optionsField(kind: string, o: Record<string, unknown>): Record<string, number> {
  const v = o.options;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VigilError('invalid_input', `cannot restore ${kind}: options missing`);
  return v as Record<string, number>;
}
