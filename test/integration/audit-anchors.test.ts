import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendAudit, CHECKPOINT_EVERY, verifyAudit } from '../../db/audit-log';
import { auditHead, formatAnchor, type AuditAnchor } from '../../db/audit/head';
import { createPool } from '../../db/pool';
import { chainEntries } from '../../domain/audit-hash';
import { spawnVigil } from '../support/processes';
import { connectAuditAttacker, type AuditAttacker } from '../support/audit-attacker';

let pool: Pool;
let databaseUrl: string;
// The embedded server's user is a superuser: it plays the attacker, who can switch triggers off.
let attacker: AuditAttacker;
// The first seq of the tail a test tampers with; afterEach puts the original rows back.
let tampered: number | undefined;

/** Appends entries until the last `n` all come after the last checkpoint (one would catch a rewrite by itself); returns the first of them. */
async function seedTail(n: number): Promise<number> {
  for (;;) {
    const r = await appendAudit(pool, Array.from({ length: n }, (_, i) => ({ kind: 'test.anchor', payload: { i } })));
    if (r.lastSeq % CHECKPOINT_EVERY >= n) return r.lastSeq - n + 1;
  }
}

async function hashAt(seq: number): Promise<string> {
  return (await pool.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [seq])).rows[0]!.hash;
}

/** Keeps a copy of the tail from `first` on, so afterEach can undo the tampering for the test files after this one. */
async function saveTail(first: number): Promise<void> {
  await attacker.client.query('CREATE TEMP TABLE audit_tail AS SELECT * FROM audit_log WHERE seq >= $1', [first]);
  tampered = first;
}

/** What a superuser can do unseen by checkpoints: rewrite every entry from `first` on and rehash the chain from there. */
async function rewriteTail(first: number): Promise<void> {
  const rows = (
    await pool.query<{ seq: string; at: string; kind: string; prev_hash: string }>(
      `SELECT seq, (extract(epoch FROM at) * 1000000)::bigint::text AS at, kind, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq`,
      [first],
    )
  ).rows;
  const forged = chainEntries(
    { seq: first - 1, hash: rows[0]!.prev_hash },
    rows.map((r) => ({ atMicros: r.at, kind: r.kind, payload: { i: -1, forged: true } })),
  );
  for (const f of forged) {
    await attacker.tamper('UPDATE audit_log SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [f.seq, JSON.stringify(f.payload), f.prevHash, f.hash]);
  }
}

beforeAll(async () => {
  databaseUrl = inject('databaseUrl');
  pool = createPool(databaseUrl, 'vigil-test-anchors', 4);
  attacker = await connectAuditAttacker(databaseUrl);
});
afterEach(async () => {
  if (tampered === undefined) return;
  await attacker.tamper('DELETE FROM audit_log WHERE seq >= $1', [tampered]);
  await attacker.tamper('INSERT INTO audit_log SELECT * FROM audit_tail');
  await attacker.client.query('DROP TABLE audit_tail');
  tampered = undefined;
  expect((await verifyAudit(pool)).ok).toBe(true);
});
afterAll(async () => {
  await attacker.end();
  await pool.end();
});

describe('vigil audit head', () => {
  it('prints the head as "<seq> <hash>" and as JSON; verify --expect with it passes', async () => {
    // At least ten entries, so that a head sorted as text ('9' > '10') would show.
    await seedTail(10);
    const head = (await auditHead(pool))!;
    const last = await pool.query('SELECT seq::int AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1');
    expect(head).toEqual(last.rows[0]);

    const env = { DATABASE_URL: databaseUrl };
    const [plain, json] = [spawnVigil(['audit', 'head'], env), spawnVigil(['audit', 'head', '--json'], env)];
    expect((await plain.exited).code).toBe(0);
    expect(plain.output().trim()).toBe(`${head.seq} ${head.hash}`);
    expect((await json.exited).code).toBe(0);
    expect(JSON.parse(json.output())).toEqual(head);

    const verify = spawnVigil(['audit', 'verify', '--expect', formatAnchor(head), '--expect', `1:${await hashAt(1)}`], env);
    expect((await verify.exited).code).toBe(0);
    expect(verify.output()).toMatch(/audit trail ok: \d+ entries/);
    expect(verify.output()).toMatch(/anchors ok: 2 of 2 still match/);
  });
});

describe('anchors catch what the chain and checkpoints cannot', () => {
  it('a tail rewritten and rehashed after the last checkpoint: verifies without anchors, fails with one', async () => {
    const first = await seedTail(3);
    const head = (await auditHead(pool))!;
    const older: AuditAnchor = { seq: first - 1, hash: await hashAt(first - 1) };
    await saveTail(first);
    await rewriteTail(first);

    // The gap anchors close: the rewritten chain is internally consistent.
    expect((await verifyAudit(pool)).ok).toBe(true);
    expect(await verifyAudit(pool, { anchors: [older, head] })).toMatchObject({
      ok: false,
      anchors: 1,
      firstBad: { seq: head.seq, problem: 'changed', detail: expect.stringContaining(`anchor ${head.seq}:`) as unknown },
    });
    // Anchors are checked wherever they lie, not only inside the requested range.
    expect((await verifyAudit(pool, { from: 1, to: 1, anchors: [head] })).firstBad).toMatchObject({ seq: head.seq, problem: 'changed' });

    const cli = spawnVigil(['audit', 'verify', '--expect', formatAnchor(head)], { DATABASE_URL: databaseUrl });
    expect((await cli.exited).code).toBe(1);
    expect(cli.output()).toContain(`audit trail TAMPERED: entry ${head.seq} changed (entry ${head.seq} differs from anchor ${head.seq}:`);
  });

  it('a tail cut off after the last checkpoint: verifies without anchors, fails naming the anchor', async () => {
    const first = await seedTail(3);
    const head = (await auditHead(pool))!;
    await saveTail(first);
    await attacker.tamper('DELETE FROM audit_log WHERE seq >= $1', [first + 1]);

    expect((await verifyAudit(pool)).ok).toBe(true);
    expect((await verifyAudit(pool, { anchors: [head] })).firstBad).toEqual({
      seq: first + 1,
      problem: 'deleted',
      detail: `anchor ${head.seq} names an entry that is missing: the trail now ends at entry ${first}`,
    });
    const cli = spawnVigil(['audit', 'verify', '--expect', formatAnchor(head)], { DATABASE_URL: databaseUrl });
    expect((await cli.exited).code).toBe(1);
    expect(cli.output()).toContain(`anchor ${head.seq} names an entry that is missing`);
  });
});

describe('vigil audit verify --expect is validated strictly', () => {
  const hash = 'ab'.repeat(32);
  const cases = [
    // the format `vigil audit head` prints, not the one --expect takes
    { args: ['--expect', `12 ${hash}`], message: `--expect: "12 ${hash}" is not an anchor; expected <seq>:<hash>` },
    // seq must be an entry number
    { args: ['--expect', `0:${hash}`], message: `--expect: "0:${hash}" is not an anchor` },
    // a hash that is not 64 hex digits
    { args: ['--expect', '12:abc'], message: '--expect: "12:abc" is not an anchor' },
    // one entry, two hashes
    { args: ['--expect', `12:${hash}`, '--expect', `12:${'cd'.repeat(32)}`], message: '--expect: entry 12 is given two different hashes' },
  ];
  it('exits 2 with a message naming the flag and the format', async () => {
    // All at once: each is a CLI start-up, and none touches the database.
    const runs = cases.map((c) => ({ ...c, p: spawnVigil(['audit', 'verify', ...c.args], { DATABASE_URL: databaseUrl }) }));
    for (const { args, message, p } of runs) {
      expect((await p.exited).code, args.join(' ')).toBe(2);
      expect(p.output(), args.join(' ')).toContain(message);
    }
  });
});
