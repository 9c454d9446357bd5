import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { appendAudit, createAuditWriter, eraseSubject, verifyAudit, CHECKPOINT_EVERY } from '../../db/audit-log';
import { createPool } from '../../db/pool';
import { entryHash } from '../../domain/audit-hash';
import { connectAuditAttacker, type AuditAttacker } from '../support/audit-attacker';

const ROOT = path.resolve(__dirname, '..', '..');
let pool: Pool;
// The embedded server's user is a superuser: it plays the attacker, who can switch triggers off.
let attacker: AuditAttacker;

async function seed(n: number): Promise<void> {
  await appendAudit(
    pool,
    Array.from({ length: n }, (_, i) => ({ kind: 'test.event', payload: { i, service: 'rag' } })),
  );
}

beforeAll(async () => {
  pool = createPool(inject('databaseUrl'), 'vigil-test-audit', 4);
  attacker = await connectAuditAttacker(inject('databaseUrl'));
});
afterAll(async () => {
  await attacker.end();
  await pool.end();
});
beforeEach(async () => {
  // A fresh, empty trail per test (only possible with the triggers off).
  await attacker.tamper('TRUNCATE audit_personal, audit_checkpoints, audit_log');
});

describe('audit trail protection', () => {
  it('refuses UPDATE, DELETE and TRUNCATE with a clear error', async () => {
    await seed(CHECKPOINT_EVERY);
    await expect(pool.query(`UPDATE audit_log SET kind = 'x' WHERE seq = 2`)).rejects.toThrow(/append-only: UPDATE on audit_log refused/);
    await expect(pool.query('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only: DELETE on audit_log refused/);
    await expect(pool.query('TRUNCATE audit_log CASCADE')).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(pool.query('DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only/);
    expect((await verifyAudit(pool)).ok).toBe(true);
  });

  it('refuses switching the triggers off or dropping them, even for the owner', async () => {
    await expect(pool.query('ALTER TABLE audit_log DISABLE TRIGGER ALL')).rejects.toThrow(/audit trail protection/);
    await expect(pool.query('DROP TRIGGER audit_log_append_only ON audit_log')).rejects.toThrow(/audit trail protection/);
    await expect(pool.query('DROP TABLE audit_log CASCADE')).rejects.toThrow(/audit trail protection/);
  });
});

describe('verifyAudit names the first bad entry', () => {
  it('passes an untouched chain, across pages and checkpoints', async () => {
    await seed(CHECKPOINT_EVERY * 2 + 5);
    const r = await verifyAudit(pool, { pageSize: 300 });
    expect(r).toEqual({ ok: true, checked: 2005, checkpoints: 2 });
    expect(await verifyAudit(pool, { from: 990, to: 1010 })).toMatchObject({ ok: true, checked: 21, checkpoints: 1 });
  });

  it('changed: a payload edited in place', async () => {
    await seed(20);
    await attacker.tamper(`UPDATE audit_log SET payload = '{"i": 999, "service": "rag"}' WHERE seq = 7`);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 7, problem: 'changed' });
  });

  it('changed: an entry edited and its hash recomputed', async () => {
    await seed(20);
    const row = (await pool.query(`SELECT (extract(epoch FROM at) * 1000000)::bigint::text AS at, kind, prev_hash FROM audit_log WHERE seq = 7`)).rows[0];
    const payload = { i: 999, service: 'rag' };
    const hash = entryHash({ seq: 7, atMicros: row.at, kind: row.kind, payload, prevHash: row.prev_hash });
    await attacker.tamper('UPDATE audit_log SET payload = $1, hash = $2 WHERE seq = 7', [JSON.stringify(payload), hash]);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 7, problem: 'changed' });
  });

  it('deleted: an entry removed, leaving a gap', async () => {
    await seed(20);
    await attacker.tamper('DELETE FROM audit_log WHERE seq = 9');
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 9, problem: 'deleted' });
  });

  it('deleted: an entry removed and the later ones renumbered to close the gap', async () => {
    await seed(20);
    await attacker.tamper('DELETE FROM audit_log WHERE seq = 9');
    await attacker.tamper('UPDATE audit_log SET seq = seq - 1 WHERE seq > 9');
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 9, problem: 'deleted' });
  });

  it('deleted: the tail cut off below a checkpoint', async () => {
    await seed(CHECKPOINT_EVERY + 10);
    await attacker.tamper('DELETE FROM audit_log WHERE seq >= 995');
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 995, problem: 'deleted' });
  });

  it('inserted: a forged entry (with a valid hash) slipped in, later ones renumbered', async () => {
    await seed(20);
    const before = (await pool.query(`SELECT (extract(epoch FROM at) * 1000000)::bigint::text AS at, hash FROM audit_log WHERE seq = 11`)).rows[0];
    await attacker.tamper('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 12');
    await attacker.tamper('UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000');
    const payload = { i: -1, service: 'forged' };
    const hash = entryHash({ seq: 12, atMicros: before.at, kind: 'test.event', payload, prevHash: before.hash });
    await attacker.tamper(`INSERT INTO audit_log (seq, at, kind, payload, prev_hash, hash) VALUES (12, to_timestamp($1::bigint / 1e6), 'test.event', $2, $3, $4)`, [
      before.at,
      JSON.stringify(payload),
      before.hash,
      hash,
    ]);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 12, problem: 'inserted' });
  });

  it('inserted: a crude forged entry with a made-up hash', async () => {
    await seed(20);
    await attacker.tamper('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 5');
    await attacker.tamper('UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000');
    await attacker.tamper(`INSERT INTO audit_log (seq, at, kind, payload, prev_hash, hash) VALUES (5, now(), 'test.event', '{}', $1, $1)`, ['ab'.repeat(32)]);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 5, problem: 'inserted' });
  });

  it('reordered: two entries swapped', async () => {
    await seed(20);
    await attacker.swap(13, 14);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 13, problem: 'reordered' });
  });

  it('reordered: an entry moved far from its place', async () => {
    await seed(20);
    await attacker.swap(4, 15);
    expect((await verifyAudit(pool)).firstBad).toMatchObject({ seq: 4, problem: 'reordered' });
  });

  it('checks only the requested range', async () => {
    await seed(30);
    await attacker.tamper(`UPDATE audit_log SET kind = 'x' WHERE seq = 25`);
    expect((await verifyAudit(pool, { from: 1, to: 20 })).ok).toBe(true);
    expect((await verifyAudit(pool, { from: 21 })).firstBad).toMatchObject({ seq: 25, problem: 'changed' });
  });
});

describe('GDPR erasure', () => {
  it('removes the personal data, keeps verify green and audits the erasure', async () => {
    await appendAudit(pool, [
      { kind: 'incident.ack', payload: { incident: 'i-1' }, personal: { subjectId: 'user-42', data: { email: 'a@example.com' } } },
      { kind: 'incident.ack', payload: { incident: 'i-2' }, personal: { subjectId: 'user-7', data: { email: 'b@example.com' } } },
      { kind: 'incident.resolve', payload: { incident: 'i-1' }, personal: { subjectId: 'user-42', data: { name: 'Ada' } } },
    ]);
    const r = await eraseSubject(pool, 'user-42', 'dpo@vigil');
    expect(r).toEqual({ erased: 2, erasureSeq: 4 });
    const left = await pool.query('SELECT subject_id FROM audit_personal ORDER BY seq');
    expect(left.rows).toEqual([{ subject_id: 'user-7' }]);
    const entry = await pool.query('SELECT kind, payload FROM audit_log WHERE seq = 4');
    expect(entry.rows[0]).toEqual({ kind: 'audit.erasure', payload: { actor: 'dpo@vigil', erased: 2 } });
    expect(JSON.stringify(entry.rows[0])).not.toContain('user-42');
    expect(await verifyAudit(pool)).toMatchObject({ ok: true, checked: 4 });
  });
});

describe('concurrent appends', () => {
  it('keep one gapless, valid chain across three processes and a batching writer', async () => {
    const url = inject('databaseUrl');
    const run = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/audit-appender.ts'), url, '20', '50', tag], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender ${tag} exited ${code}: ${err}`))));
      });
    const writer = createAuditWriter(pool, { maxBatch: 40, maxDelayMs: 2 });
    const local = Array.from({ length: 300 }, (_, i) => writer.append({ kind: 'test.local', payload: { i } }));
    await Promise.all([run('a'), run('b'), run('c'), ...local]);
    const seqs = await Promise.all(local);
    expect(new Set(seqs).size).toBe(300);
    const stats = await pool.query<{ n: string; max: string }>('SELECT count(*) AS n, max(seq) AS max FROM audit_log');
    expect(stats.rows[0]).toEqual({ n: '3300', max: '3300' });
    expect(await verifyAudit(pool)).toEqual({ ok: true, checked: 3300, checkpoints: 3 });
  });
});
