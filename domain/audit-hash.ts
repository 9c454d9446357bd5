import { createHash } from 'node:crypto';

/** The prev_hash of the first entry: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the hash of one audit entry covers (personal data is deliberately absent). */
export interface HashedEntry {
  seq: number;
  /** Microseconds since the epoch, as a decimal string (exactly what Postgres stores). */
  atMicros: string;
  kind: string;
  payload: unknown;
  prevHash: string;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, undefined members dropped
 * (as JSON and jsonb drop them); non-finite numbers, bigints and functions are refused, because
 * jsonb could not store them back to the same value.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
      // Plain loops and string concatenation: verify calls this for every entry, so it is hot.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          out += (i > 0 ? ',' : '') + (v === undefined ? 'null' : canonicalJson(v));
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/** The entry's hash: sha256 (hex) over the canonical JSON of its seq, time, kind, payload and the previous hash. */
export function entryHash(e: HashedEntry): string {
  // Exactly canonicalJson({ at, kind, payload, prev, seq }), written out to skip a pass over the wrapper.
  if (!Number.isSafeInteger(e.seq)) throw new Error(`entryHash: seq ${e.seq} is not a safe integer`);
  const body = `{"at":${JSON.stringify(e.atMicros)},"kind":${JSON.stringify(e.kind)},"payload":${canonicalJson(e.payload)},"prev":${JSON.stringify(e.prevHash)},"seq":${e.seq}}`;
  return createHash('sha256').update(body).digest('hex');
}

/** A new entry before it is hashed. */
export interface UnchainedEntry {
  atMicros: string;
  kind: string;
  payload: unknown;
}

/** Chains entries after a head (last seq and hash): assigns seqs and prev/own hashes in order. */
export function chainEntries(
  head: { seq: number; hash: string },
  entries: readonly UnchainedEntry[],
): Array<HashedEntry & { hash: string }> {
  let prevHash = head.hash;
  let seq = head.seq;
  return entries.map((e) => {
    seq += 1;
    const chained = { seq, atMicros: e.atMicros, kind: e.kind, payload: e.payload, prevHash };
    const hash = entryHash(chained);
    prevHash = hash;
    return { ...chained, hash };
  });
}
