import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { entryHash } from '../../domain/audit-hash';

/** One audit row as read from Postgres: seq, at (microseconds), kind, payload (JSON text), prev hash, stored hash. */
export type RawEntry = [seq: string, atMicros: string, kind: string, payload: string, prevHash: string, hash: string];

/** Rows sent to a worker, their fields flattened (6 per row); whoever first sets `claims[slot]` hashes them. */
export interface HashJob {
  id: number;
  fields: string[];
  claims: Int32Array;
  slot: number;
}

/** A worker's answer to a job: one flag per row, or none if the main thread had taken the job over. */
export interface HashReply {
  id: number;
  ok?: Uint8Array;
}

/** Rows being checked; `result` hashes here whatever no worker has started, then waits for the rest. */
export interface HashCheck {
  result(): Promise<Uint8Array>;
}

/** Worker threads that check entries' own hashes; started by `createHashPool`, stopped by `close`. */
export interface HashPool {
  /** Queues the rows for the workers; the flags are 1 where a row's recomputed hash equals its stored one. */
  check(rows: readonly RawEntry[]): HashCheck;
  /** Rows hashed so far by the workers and by the main thread (taking over jobs no worker had started). */
  hashed(): { workers: number; main: number };
  /** Terminates the workers; results still awaited reject. */
  close(): Promise<void>;
}

// A job is a few milliseconds of hashing: small enough for the main thread to share the work when the
// workers fall behind, large enough that messages cost little. A worker holds a few at a time.
const JOB_ROWS = 1_000;
const IN_FLIGHT = 3;
const FIELDS = 6;

/** Workers worth starting here: one core stays with the main thread (Postgres rows, links), at most 3. */
export function defaultPoolSize(): number {
  return Math.max(0, Math.min(3, os.availableParallelism() - 1));
}

function rowOk(seq: string, atMicros: string, kind: string, payload: string, prevHash: string, hash: string): 0 | 1 {
  try {
    return entryHash({ seq: Number(seq), atMicros, kind, payload: JSON.parse(payload) as unknown, prevHash }) === hash ? 1 : 0;
  } catch {
    return 0;
  }
}

/** 1 where the row's recomputed hash equals its stored one; 0 on a mismatch or if hashing threw (the caller redoes those). */
export function checkRows(rows: readonly RawEntry[]): Uint8Array<ArrayBuffer> {
  const ok = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    ok[i] = rowOk(r[0], r[1], r[2], r[3], r[4], r[5]);
  }
  return ok;
}

/** `checkRows` over a job's flattened fields. */
export function checkFields(f: readonly string[]): Uint8Array<ArrayBuffer> {
  const ok = new Uint8Array(f.length / FIELDS);
  for (let i = 0, k = 0; i < ok.length; i++, k += FIELDS) ok[i] = rowOk(f[k]!, f[k + 1]!, f[k + 2]!, f[k + 3]!, f[k + 4]!, f[k + 5]!);
  return ok;
}

/** Claims a job for whoever calls first; true if that is the caller. */
export const claim = (claims: Int32Array, slot: number): boolean => Atomics.compareExchange(claims, slot, 0, 1) === 0;

// pg's rows are holey arrays, which structured clone copies slowly; one flat, packed array is much cheaper.
function flatten(rows: readonly RawEntry[]): string[] {
  const fields: string[] = [];
  for (const r of rows) fields.push(r[0], r[1], r[2], r[3], r[4], r[5]);
  return fields;
}

// Workers get no TypeScript loader from vitest, and only some from Node's flags, so each registers tsx's
// CommonJS hooks itself before loading the worker module (execArgv is emptied so all contexts match).
function bootstrap(): string {
  const tsx = createRequire(__filename).resolve('tsx/cjs/api');
  const worker = path.join(__dirname, 'verify-worker.ts');
  return `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(worker)});`;
}

/** Rows waiting for a worker or taken over by the main thread; `done` settles with the worker's flags. */
interface Job {
  rows: readonly RawEntry[];
  claims: Int32Array;
  slot: number;
  done: Promise<Uint8Array | undefined>;
  settle: { resolve(ok: Uint8Array | undefined): void; reject(err: Error): void };
}

function newJob(rows: readonly RawEntry[], claims: Int32Array, slot: number): Job {
  let settle!: Job['settle'];
  const done = new Promise<Uint8Array | undefined>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // awaited in result() unless the main thread takes the job over
  return { rows, claims, slot, done, settle };
}

interface Thread {
  worker: Worker;
  /** Jobs posted to this worker and not answered yet, by message id. */
  posted: Map<number, Job>;
}

/** Starts `size` (≥ 1) workers; rows are dealt out to them in jobs of JOB_ROWS, IN_FLIGHT at a time each. */
export function createHashPool(size: number): HashPool {
  const code = bootstrap();
  // Jobs not posted yet: the main thread can take these over without their rows being copied for nothing.
  const backlog: Job[] = [];
  let failed: Error | undefined;
  let nextId = 0;
  const count = { workers: 0, main: 0 };
  const fail = (err: Error) => {
    failed ??= err;
    for (const j of [...backlog, ...threads.flatMap((t) => [...t.posted.values()])]) j.settle.reject(failed);
    backlog.length = 0;
    for (const t of threads) t.posted.clear();
  };
  const feed = () => {
    for (const t of threads) {
      while (t.posted.size < IN_FLIGHT && backlog.length > 0) {
        const j = backlog.shift()!;
        if (Atomics.load(j.claims, j.slot) !== 0) continue;
        const id = nextId++;
        t.posted.set(id, j);
        t.worker.postMessage({ id, fields: flatten(j.rows), claims: j.claims, slot: j.slot } satisfies HashJob);
      }
    }
  };
  const threads: Thread[] = Array.from({ length: Math.max(1, size) }, () => {
    const t: Thread = { worker: new Worker(code, { eval: true, execArgv: [] }), posted: new Map() };
    t.worker.on('message', (reply: HashReply) => {
      count.workers += reply.ok?.length ?? 0;
      t.posted.get(reply.id)?.settle.resolve(reply.ok);
      t.posted.delete(reply.id);
      feed();
    });
    t.worker.on('error', fail);
    t.worker.on('exit', (code) => fail(new Error(`audit hash worker stopped (exit code ${code})`)));
    return t;
  });
  return {
    check(rows) {
      const claims = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(rows.length / JOB_ROWS)));
      const jobs = Array.from({ length: claims.length }, (_, slot) => newJob(rows.slice(slot * JOB_ROWS, (slot + 1) * JOB_ROWS), claims, slot));
      if (failed) for (const j of jobs) j.settle.reject(failed);
      else backlog.push(...jobs);
      feed();
      return {
        async result() {
          const ok = new Uint8Array(rows.length);
          const mine = new Set<Job>();
          // A job no worker has started is hashed here, one at a time, letting replies (and so more posts) through in
          // between. From the last one back: the workers take jobs from the front, so they keep the ones they hold.
          for (const j of [...jobs].reverse()) {
            if (!claim(j.claims, j.slot)) continue;
            mine.add(j);
            ok.set(checkRows(j.rows), j.slot * JOB_ROWS);
            count.main += j.rows.length;
            await new Promise((resolve) => setImmediate(resolve));
          }
          for (const j of jobs) {
            if (mine.has(j)) continue;
            const part = await j.done;
            if (!part) throw new Error('audit hash pool: a worker skipped a job it had claimed');
            ok.set(part, j.slot * JOB_ROWS);
          }
          return ok;
        },
      };
    },
    hashed: () => ({ ...count }),
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
