import type { Pool } from 'pg';
import { entryHash, GENESIS_HASH } from '../../domain/audit-hash';
import { createHashPool, defaultPoolSize, type HashCheck, type HashPool, type RawEntry } from './hash-pool';
import type { AuditAnchor } from './head';

/** Which part of the chain to check (inclusive seqs); the whole log by default. */
export interface VerifyOptions {
  from?: number;
  to?: number;
  pageSize?: number;
  /**
   * Chain heads kept outside the database (`vigil audit head`): each entry must still have that hash,
   * wherever it lies (inside the range or not). They catch what checkpoints cannot: a tail rewritten
   * after the last checkpoint, or cut off, with the chain recomputed so that it verifies.
   */
  anchors?: readonly AuditAnchor[];
  /** Entries in the range above which own hashes are checked on worker threads (20,000 by default). */
  parallelThreshold?: number;
  /** Worker threads for that: availableParallelism() - 1, at most 3, by default; 0 keeps everything on this thread. */
  workers?: number;
}

/** The first bad entry, named by seq, with what kind of tampering it shows. */
export interface AuditProblem {
  seq: number;
  problem: 'changed' | 'deleted' | 'inserted' | 'reordered';
  detail: string;
}

/** The outcome of a verification. */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  checkpoints: number;
  /** How many anchors matched; present only when anchors were given. */
  anchors?: number;
  firstBad?: AuditProblem;
}

interface Row {
  seq: number;
  atMicros: string;
  kind: string;
  /** JSON text: parsed only where this thread hashes the row. */
  payload: string;
  prevHash: string;
  hash: string;
}

/**
 * A page of rows as read (made `Row`s only as they are walked, so those die young); with workers,
 * `hashed` gives their verdicts on the rows' own hashes.
 */
interface Page {
  rows: RawEntry[];
  hashed?: HashCheck;
}

const PREFETCH = 3;
// Below this many entries, starting workers (~0.1 s) costs more than it saves.
const PARALLEL_THRESHOLD = 20_000;
const COLUMNS = `seq::text AS seq_text, (extract(epoch FROM at) * 1000000)::bigint::text, kind, payload::text, prev_hash, hash`;

function toRow(r: RawEntry): Row {
  return { seq: Number(r[0]), atMicros: r[1], kind: r[2], payload: r[3], prevHash: r[4], hash: r[5] };
}

/** Rows with after < seq <= to, in seq order; with `hashes`, the workers start on them as soon as they arrive. */
async function page(pool: Pool, after: number, to: number, hashes?: HashPool): Promise<Page> {
  const res = await pool.query<RawEntry>({
    text: `SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
    values: [after, to],
    rowMode: 'array',
  });
  return { rows: res.rows, ...(hashes ? { hashed: hashes.check(res.rows) } : {}) };
}

async function seqOfHash(pool: Pool, hash: string): Promise<number | undefined> {
  const r = await pool.query<{ seq: string }>('SELECT seq FROM audit_log WHERE hash = $1 ORDER BY seq LIMIT 1', [hash]);
  return r.rows[0] ? Number(r.rows[0].seq) : undefined;
}

/** The anchors' entries (by seq) looked up directly: for anchors the range walk does not pass. */
async function hashesAt(pool: Pool, seqs: number[]): Promise<Map<number, string>> {
  if (seqs.length === 0) return new Map();
  const r = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log WHERE seq = ANY($1::bigint[])', [seqs]);
  return new Map(r.rows.map((row) => [Number(row.seq), row.hash]));
}

/** The first of these anchors (in seq order) that its entry no longer matches; `head` is the last seq. */
async function checkAnchors(pool: Pool, anchors: AuditAnchor[], head: number): Promise<AuditProblem | undefined> {
  const found = await hashesAt(pool, [...new Set(anchors.map((a) => a.seq))]);
  for (const a of [...anchors].sort((x, y) => x.seq - y.seq)) {
    const hash = found.get(a.seq);
    if (hash === undefined) {
      return a.seq > head
        ? { seq: head + 1, problem: 'deleted', detail: `anchor ${a.seq} names an entry that is missing: ${head ? `the trail now ends at entry ${head}` : 'the trail is empty'}` }
        : { seq: a.seq, problem: 'deleted', detail: `anchor ${a.seq} names an entry that is missing` };
    }
    if (hash !== a.hash) return anchorChanged(a);
  }
  return undefined;
}

const anchorChanged = (a: AuditAnchor): AuditProblem => ({
  seq: a.seq,
  problem: 'changed',
  detail: `entry ${a.seq} differs from anchor ${a.seq}:${a.hash.slice(0, 12)}…: the chain up to it was rewritten`,
});

const UNHASHABLE = 'unhashable: ';

/**
 * The row's hash at `seq`, or a text that can never equal a hash when the row cannot be hashed at all
 * (jsonb keeps numbers such as 1e400 that JavaScript cannot): Vigil never writes such a row, so it is
 * reported as a changed entry rather than stopping the verification.
 */
function hashAt(r: Row, seq: number): string {
  try {
    return entryHash({ seq, atMicros: r.atMicros, kind: r.kind, payload: JSON.parse(r.payload) as unknown, prevHash: r.prevHash });
  } catch (err) {
    return `${UNHASHABLE}${(err as Error).message}`;
  }
}

/**
 * Names the tampering behind a row whose own hash or link is wrong. Seq is inside the hash, so a row
 * that moved still hashes correctly at its old seq: one place down means an entry was inserted before
 * it, one place up with its predecessor gone means one was deleted, anything else is a reordering.
 */
async function classify(pool: Pool, r: Row, prev: Row | undefined, next: Row | undefined): Promise<AuditProblem> {
  const linked = r.prevHash === GENESIS_HASH ? 0 : await seqOfHash(pool, r.prevHash);
  const own = hashAt(r, r.seq);
  if (own.startsWith(UNHASHABLE)) {
    return { seq: r.seq, problem: 'changed', detail: `entry ${r.seq} cannot be hashed (${own.slice(UNHASHABLE.length)}); Vigil never writes such an entry` };
  }
  if (own !== r.hash) {
    const candidates = [r.seq - 1, r.seq + 1, ...(linked !== undefined ? [linked + 1] : [])].filter((s) => s > 0 && s !== r.seq);
    const moved = candidates.find((s) => hashAt(r, s) === r.hash);
    if (moved === undefined && next && hashAt(next, next.seq - 1) === next.hash) {
      return { seq: r.seq, problem: 'inserted', detail: `entry ${r.seq} is not part of the chain; entry ${next.seq} was written as ${next.seq - 1}` };
    }
    if (moved === undefined) return { seq: r.seq, problem: 'changed', detail: `entry ${r.seq} does not match its hash` };
    if (moved === r.seq - 1 && linked !== undefined && linked < r.seq - 1) {
      return { seq: r.seq - 1, problem: 'inserted', detail: `entry ${r.seq - 1} is not part of the chain; entry ${r.seq} was written as ${moved}` };
    }
    if (moved === r.seq + 1 && linked === undefined) {
      return { seq: r.seq, problem: 'deleted', detail: `the entry before entry ${r.seq} (written as ${moved}) was deleted and later entries renumbered` };
    }
    return { seq: r.seq, problem: 'reordered', detail: `entry ${r.seq} was written as entry ${moved}` };
  }
  // Its own hash is right, but it does not follow its predecessor.
  if (linked !== undefined && prev && linked < prev.seq) {
    return { seq: linked + 1, problem: 'inserted', detail: `entry ${r.seq} follows entry ${linked}; entries ${linked + 1}..${prev.seq} were inserted` };
  }
  if (linked !== undefined && linked > r.seq) {
    return { seq: r.seq, problem: 'reordered', detail: `entry ${r.seq} follows entry ${linked}, which comes after it` };
  }
  if (linked === undefined && prev && next && next.prevHash === prev.hash) {
    return { seq: r.seq, problem: 'inserted', detail: `entry ${r.seq} is not part of the chain (entry ${next.seq} follows entry ${prev.seq})` };
  }
  if (linked === undefined && prev) {
    return { seq: prev.seq, problem: 'changed', detail: `entry ${prev.seq} was changed and rehashed: entry ${r.seq} records a different hash for it` };
  }
  return { seq: r.seq, problem: 'changed', detail: `entry ${r.seq} does not link to entry ${prev?.seq ?? r.seq - 1}` };
}

/**
 * Recomputes the chain in seq order (keyset pages, the next one fetched while this one is hashed) and checks checkpoints.
 * Large ranges have their entries' own hashes checked on worker threads; links, checkpoints, anchors and the naming of
 * a bad entry stay here, so the result is the same either way.
 */
export async function verifyAudit(pool: Pool, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const workers = opts.workers ?? defaultPoolSize();
  const threshold = opts.parallelThreshold ?? PARALLEL_THRESHOLD;
  let hashes: HashPool | undefined;
  // Started once the range is known, so they boot while the first pages are read; stopped however the walk ends.
  const startHashes = (entries: number) => (hashes = entries > threshold && workers > 0 ? createHashPool(workers) : undefined);
  try {
    return await verifyRange(pool, opts, startHashes);
  } finally {
    await hashes?.close();
  }
}

async function verifyRange(pool: Pool, opts: VerifyOptions, startHashes: (entries: number) => HashPool | undefined): Promise<VerifyResult> {
  const from = Math.max(1, opts.from ?? 1);
  const size = opts.pageSize ?? 10_000;
  // Checkpoints first: each is committed with its entry, so every one read here is at or below the head read next.
  const cps = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_checkpoints WHERE seq >= $1 AND seq <= $2 ORDER BY seq', [
    from,
    opts.to ?? Number.MAX_SAFE_INTEGER,
  ]);
  // Entries appended after this point are left for the next run.
  const head = Number((await pool.query<{ max: string | null }>('SELECT max(seq) AS max FROM audit_log')).rows[0]?.max ?? 0);
  const to = Math.min(opts.to ?? Number.MAX_SAFE_INTEGER, head);
  const hashes = startHashes(to - from + 1);
  const checkpoints = new Map(cps.rows.map((c) => [Number(c.seq), c.hash]));
  // Anchors the walk below passes are checked on the way, like checkpoints; the rest directly, those
  // before the range first and those after it last, so the problem reported is still the first one.
  const anchors = (opts.anchors ?? []).map((a) => ({ seq: a.seq, hash: a.hash.toLowerCase() }));
  const walked = new Map<number, AuditAnchor[]>();
  for (const a of anchors.filter((x) => x.seq >= from && x.seq <= to)) walked.set(a.seq, [...(walked.get(a.seq) ?? []), a]);
  let anchorsMatched = 0;
  let prev: Row | undefined;
  let expectedPrev: string | undefined = GENESIS_HASH;
  if (from > 1) {
    const before = await page(pool, from - 2, from - 1);
    prev = before.rows[0] && toRow(before.rows[0]);
    // Without the entry before the range, the first link cannot be checked.
    expectedPrev = prev?.hash;
  }
  let expectedSeq = from;
  let checked = 0;
  let cpChecked = 0;
  const counts = () => ({ checked, checkpoints: cpChecked, ...(opts.anchors ? { anchors: anchorsMatched } : {}) });
  const bad = (p: AuditProblem): VerifyResult => ({ ok: false, ...counts(), firstBad: p });
  const earlier = await checkAnchors(pool, anchors.filter((a) => a.seq < from), head);
  if (earlier) return bad(earlier);
  anchorsMatched += anchors.filter((a) => a.seq < from).length;
  // Pages are seq ranges (seq is meant to be gapless; a gap only shrinks a page), so several can be
  // fetched at once on different connections while this one is hashed: the database is the slow part.
  const pending: Array<Promise<Page>> = [];
  let nextStart = from - 1;
  const refill = () => {
    while (pending.length < PREFETCH && nextStart < to) {
      const end = Math.min(nextStart + size, to);
      const p = page(pool, nextStart, end, hashes);
      p.catch(() => undefined); // awaited below; this only stops an early return leaving it unhandled
      pending.push(p);
      nextStart = end;
    }
  };
  refill();
  while (pending.length > 0) {
    const { rows, hashed } = await pending.shift()!;
    refill();
    const ok = await hashed?.result();
    for (let i = 0; i < rows.length; i++) {
      const r = toRow(rows[i]!);
      if (r.seq !== expectedSeq && !(checked === 0 && from > 1 && prev === undefined)) {
        return bad({ seq: expectedSeq, problem: 'deleted', detail: `entries ${expectedSeq}..${r.seq - 1} are missing` });
      }
      const linkOk = expectedPrev === undefined || r.prevHash === expectedPrev;
      // A row the workers did not pass is hashed again here: a mismatch, or the error hashing it throws, as before.
      if (!linkOk || (ok?.[i] !== 1 && hashAt(r, r.seq) !== r.hash)) {
        const after = rows[i + 1] ?? (pending[0] ? (await pending[0]).rows[0] : undefined);
        return bad(await classify(pool, r, prev, after && toRow(after)));
      }
      const cp = checkpoints.get(r.seq);
      if (cp !== undefined) {
        if (cp !== r.hash) {
          return bad({ seq: r.seq, problem: 'changed', detail: `entry ${r.seq} differs from checkpoint ${r.seq}: the chain up to it was rewritten` });
        }
        cpChecked++;
        checkpoints.delete(r.seq);
      }
      for (const a of walked.get(r.seq) ?? []) {
        if (a.hash !== r.hash) return bad(anchorChanged(a));
        anchorsMatched++;
      }
      walked.delete(r.seq);
      checked++;
      prev = r;
      expectedPrev = r.hash;
      expectedSeq = r.seq + 1;
    }
  }
  const missing = [...checkpoints.keys()].sort((a, b) => a - b)[0];
  if (missing !== undefined) {
    return bad({ seq: Math.min(missing, expectedSeq), problem: 'deleted', detail: `checkpoint ${missing} names an entry that is missing` });
  }
  // Anchors past the range, past the head (the tail was cut) or in a gap the walk could not see.
  const later = [...[...walked.values()].flat(), ...anchors.filter((a) => a.seq > to)];
  const problem = await checkAnchors(pool, later, head);
  if (problem) return bad(problem);
  anchorsMatched += later.length;
  return { ok: true, ...counts() };
}
