// Sticky assignment of a unit (user, session, request) to a variant, the same in every replica and
// language: SHA-256 of the UTF-8 string "<experiment>:<salt>:<unit>", its first 8 bytes read as a
// big-endian unsigned integer and divided by 2^64, is the unit's point in [0, 1); the variants take
// consecutive slices of [0, 1) in their configured order, each as wide as its share of the weights.
// In Python: int.from_bytes(hashlib.sha256(f"{e}:{s}:{u}".encode()).digest()[:8], "big") / 2**64.
// node:crypto: this runs in the SDK and the API, never in workflow code (which cannot import it).
import { createHash } from 'node:crypto';

/** The unit's point in [0, 1) for this experiment and salt. */
export function assignmentPoint(experiment: string, salt: string, unit: string): number {
  const digest = createHash('sha256').update(`${experiment}:${salt}:${unit}`, 'utf8').digest();
  // Two 32-bit halves: a double holds 53 bits, so the low half only refines the last places.
  return (digest.readUInt32BE(0) * 2 ** 32 + digest.readUInt32BE(4)) / 2 ** 64;
}

/** The variant whose slice holds the unit's point; weights are relative (50/50 or 0.9/0.1 alike). */
export function assignVariant<V extends { name: string; weight: number }>(variants: readonly V[], experiment: string, salt: string, unit: string): V {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const point = assignmentPoint(experiment, salt, unit) * total;
  let edge = 0;
  for (const v of variants) {
    edge += v.weight;
    if (point < edge) return v;
  }
  return variants[variants.length - 1]!;
}
