import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { appendAudit, CHECKPOINT_EVERY, verifyAudit, type VerifyOptions } from '../../db/audit-log';
import { createHashPool, type RawEntry } from '../../db/audit/hash-pool';
import { auditHead } from '../../db/audit/head';
import { createPool } from '../../db/pool';
import { entryHash } from '../../domain/audit-hash';
import { connectAuditAttacker, type AuditAttacker } from '../support/audit-attacker';

const ROOT = path.resolve(__dirname, '..', '..');
// Workers for any range (two, so jobs are dealt out), against everything on the calling thread.
const PARALLEL: VerifyOptions = { parallelThreshold: 0, workers: 2 };
const SINGLE: VerifyOptions = { workers: 0 };
// Past two checkpoints, and more than one 1,000-row worker job per page.
const ENTRIES = CHECKPOINT_EVERY * 2 + 505;

let pool: Pool;
// The embedded server's user is a superuser: it plays the attacker, who can switch triggers off.
let attacker: AuditAttacker;

/** Shifts entries from `seq` on one place up and writes a forged entry, with a valid hash over its predecessor, in the gap. */
async function insertForged(seq: number): Promise<void> {
  const before = (await pool.query(`SELECT (extract(epoch FROM at) * 1000000)::bigint::text AS at, hash FROM audit_log WHERE seq = $1`, [seq - 1])).rows[0];
  await attacker.tamper('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= $1', [seq]);
  await attacker.tamper('UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000');
  const payload = { i: -1, service: 'forged' };
  const hash = entryHash({ seq, atMicros: before.at, kind: 'test.event', payload, prevHash: before.hash });
  await attacker.tamper(`INSERT INTO audit_log (seq, at, kind, payload, prev_hash, hash) VALUES ($1, to_timestamp($2::bigint / 1e6), 'test.event', $3, $4, $5)`, [
    seq,
    before.at,
    JSON.stringify(payload),
    before.hash,
    hash,
  ]);
}

/** Rewrites an entry's payload and recomputes its own hash (not its successor's link). */
async function changeAndRehash(seq: number): Promise<void> {
  const row = (await pool.query(`SELECT (extract(epoch FROM at) * 1000000)::bigint::text AS at, kind, prev_hash FROM audit_log WHERE seq = $1`, [seq])).rows[0];
  const payload = { i: 999, service: 'rag' };
  const hash = entryHash({ seq, atMicros: row.at, kind: row.kind, payload, prevHash: row.prev_hash });
  await attacker.tamper('UPDATE audit_log SET payload = $2, hash = $3 WHERE seq = $1', [seq, JSON.stringify(payload), hash]);
}

/** Verifies on this thread and on workers, with one page and with many; all four must agree. */
async function verifyBoth(opts: VerifyOptions = {}): Promise<Awaited<ReturnType<typeof verifyAudit>>> {
  const single = await verifyAudit(pool, { ...opts, ...SINGLE });
  for (const pageSize of [undefined, 700]) {
    const paging = pageSize ? { pageSize } : {};
    expect(await verifyAudit(pool, { ...opts, ...paging, ...SINGLE })).toEqual(single);
    expect(await verifyAudit(pool, { ...opts, ...paging, ...PARALLEL })).toEqual(single);
  }
  return single;
}

beforeAll(async () => {
  pool = createPool(inject('databaseUrl'), 'vigil-test-audit-parallel', 6);
  attacker = await connectAuditAttacker(inject('databaseUrl'));
});
beforeEach(async () => {
  // A fresh trail per test (only possible with the triggers off), as in audit-log.test.ts.
  await attacker.tamper('TRUNCATE audit_personal, audit_checkpoints, audit_log');
  await appendAudit(
    pool,
    Array.from({ length: ENTRIES }, (_, i) => ({ kind: 'test.event', payload: { i, service: 'rag', tags: ['a', i % 3 ? 'b' : 'c'] } })),
  );
});
afterAll(async () => {
  // Leave an empty, valid trail for the files after this one.
  await attacker.tamper('TRUNCATE audit_personal, audit_checkpoints, audit_log');
  await attacker.end();
  await pool.end();
});

describe('verifyAudit on worker threads gives the same result as on one thread', () => {
  it('an intact chain: whole, in ranges, with anchors', async () => {
    expect(await verifyBoth()).toEqual({ ok: true, checked: ENTRIES, checkpoints: 2 });
    expect(await verifyBoth({ from: 990, to: 2010 })).toEqual({ ok: true, checked: 1021, checkpoints: 2 });
    const head = (await auditHead(pool))!;
    expect(await verifyBoth({ from: 1500, anchors: [head, { seq: 3, hash: (await pool.query('SELECT hash FROM audit_log WHERE seq = 3')).rows[0].hash }] })).toMatchObject({
      ok: true,
      anchors: 2,
    });
  });

  const cases: Array<{ name: string; tamper: () => Promise<void>; firstBad: { seq: number; problem: string } }> = [
    // A payload edited in place, in the middle of a worker's job.
    { name: 'changed in place', tamper: () => attacker.tamper(`UPDATE audit_log SET payload = '{"i": 999}' WHERE seq = 1507`), firstBad: { seq: 1507, problem: 'changed' } },
    // Edited and its own hash recomputed: only the next entry's link shows it.
    { name: 'changed and rehashed', tamper: () => changeAndRehash(1999), firstBad: { seq: 1999, problem: 'changed' } },
    // The first entry of the second worker job edited.
    { name: 'changed at a job boundary', tamper: () => attacker.tamper(`UPDATE audit_log SET kind = 'x' WHERE seq = 1001`), firstBad: { seq: 1001, problem: 'changed' } },
    // One entry removed, leaving a gap.
    { name: 'deleted, gap', tamper: () => attacker.tamper('DELETE FROM audit_log WHERE seq = 1234'), firstBad: { seq: 1234, problem: 'deleted' } },
    // One entry removed and the later ones renumbered.
    {
      name: 'deleted, renumbered',
      tamper: async () => {
        await attacker.tamper('DELETE FROM audit_log WHERE seq = 1234');
        await attacker.tamper('UPDATE audit_log SET seq = seq - 1 WHERE seq > 1234');
      },
      firstBad: { seq: 1234, problem: 'deleted' },
    },
    // The tail cut off below the last checkpoint.
    { name: 'deleted tail', tamper: () => attacker.tamper('DELETE FROM audit_log WHERE seq >= 1995'), firstBad: { seq: 1995, problem: 'deleted' } },
    // A forged entry with a valid hash slipped in, later ones renumbered.
    { name: 'inserted, forged', tamper: () => insertForged(1700), firstBad: { seq: 1700, problem: 'inserted' } },
    // Two neighbours swapped across a 700-row page boundary.
    { name: 'reordered, neighbours', tamper: () => attacker.swap(1400, 1401), firstBad: { seq: 1400, problem: 'reordered' } },
    // An entry moved far from its place.
    { name: 'reordered, far', tamper: () => attacker.swap(40, 2300), firstBad: { seq: 40, problem: 'reordered' } },
  ];
  it.each(cases)('$name', async ({ tamper, firstBad }) => {
    await tamper();
    const r = await verifyBoth();
    expect(r).toMatchObject({ ok: false, firstBad });
    // A range starting after the tampering still agrees, whatever it finds.
    await verifyBoth({ from: firstBad.seq + 3 });
  });

  it('an entry whose hash cannot be computed is named as changed, the same way on both paths', async () => {
    // jsonb keeps 1e400 exactly; in JavaScript it parses to Infinity, which canonical JSON refuses.
    await attacker.tamper(`UPDATE audit_log SET payload = '{"i": 1e400}' WHERE seq = 1600`);
    const single = await verifyAudit(pool, SINGLE);
    expect(single).toMatchObject({ ok: false, firstBad: { seq: 1600, problem: 'changed' } });
    expect(single.firstBad!.detail).toMatch(/cannot be hashed \(canonicalJson: Infinity is not representable in JSON\)/);
    expect(await verifyAudit(pool, PARALLEL)).toEqual(single);
    // A bad link before it is still reported first, by both.
    await changeAndRehash(1500);
    expect(await verifyBoth()).toMatchObject({ ok: false, firstBad: { seq: 1500, problem: 'changed' } });
  });
});

describe('the hash workers', () => {
  const rows = (n: number, bad: (i: number) => boolean): RawEntry[] =>
    Array.from({ length: n }, (_, i) => {
      const e = { seq: i + 1, atMicros: `${1_764_000_000_000 + i}000`, kind: 'test.event', payload: { i, nested: { b: 1, a: [1, 'x'] } }, prevHash: 'ab'.repeat(32) };
      return [String(e.seq), e.atMicros, e.kind, JSON.stringify(e.payload), e.prevHash, bad(i) ? 'f'.repeat(64) : entryHash(e)];
    });

  it('run inside vitest: they hash what the main thread leaves them, with the same verdicts', async () => {
    const hashes = createHashPool(2);
    try {
      const input = rows(2_500, (i) => i % 997 === 5);
      const check = hashes.check(input);
      // Not asking for the result yet, so the main thread takes nothing over.
      await vi.waitFor(() => expect(hashes.hashed()).toEqual({ workers: 2_500, main: 0 }), { timeout: 20_000 });
      const ok = await check.result();
      expect([...ok.keys()].filter((i) => ok[i] !== 1)).toEqual([5, 1002, 1999]);

      // Asking at once: the main thread takes over jobs from the back while the workers work from the front.
      const more = rows(9_000, (i) => i % 1_000 === 999 || i === 4_321);
      const ok2 = await hashes.check(more).result();
      expect([...ok2.keys()].filter((i) => ok2[i] !== 1)).toEqual([999, 1999, 2999, 3999, 4321, 4999, 5999, 6999, 7999, 8999]);
      const { workers, main } = hashes.hashed();
      expect(workers + main).toBe(2_500 + 9_000);
    } finally {
      await hashes.close();
    }
  });

  it('run under plain Node with the tsx loader, as bin/vigil starts it', async () => {
    const script = `
      const { createHashPool } = require(${JSON.stringify(path.join(ROOT, 'db/audit/hash-pool.ts'))});
      const rows = JSON.parse(process.argv[1]);
      const hashes = createHashPool(1);
      const check = hashes.check(rows);
      const until = Date.now() + 20000;
      const wait = () => hashes.hashed().workers === rows.length || Date.now() > until ? Promise.resolve() : new Promise((r) => setTimeout(r, 20)).then(wait);
      wait().then(() => check.result()).then((ok) => { console.log(JSON.stringify({ hashed: hashes.hashed(), ok: [...ok] })); return hashes.close(); });`;
    const input = rows(30, (i) => i === 17);
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, JSON.stringify(input)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // It exits by itself once the pool is closed: the workers keep nothing alive.
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(JSON.parse(out)).toEqual({ hashed: { workers: 30, main: 0 }, ok: input.map((_, i) => (i === 17 ? 0 : 1)) });
  });
});
