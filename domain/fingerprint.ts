// FNV-1a (64-bit) instead of node:crypto because fingerprints are also computed inside workflow
// code, which must not import Node built-ins; 64 bits keeps collisions negligible for the number
// of (service, kind, dimension) triples a deployment has.
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

// Hashes UTF-16 code units (two bytes each) rather than UTF-8: an encoder would map every lone
// surrogate to U+FFFD and make distinct (if malformed) names collide.
function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    for (const byte of [unit & 0xff, unit >> 8]) {
      hash ^= BigInt(byte);
      hash = (hash * FNV_PRIME) & MASK_64;
    }
  }
  return hash.toString(16).padStart(16, '0');
}

/** Stable identity of "the same problem": one open incident exists per fingerprint. */
export function fingerprint(service: string, kind: string, dimension: string): string {
  // The separator cannot appear in service or kind names (see names.ts), so ("a.b","c") and ("a","b.c") differ.
  return fnv1a64(`${service}\u0000${kind}\u0000${dimension}`);
}

/** The Temporal workflow ID of the incident for a fingerprint. */
export function incidentWorkflowId(fp: string): string {
  return `incident/${fp}`;
}
