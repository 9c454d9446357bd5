import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSend, LedgerBusyError, ledgerRows, markFailed, markSent, sendOnce, type LedgerClaim, type LedgerKey } from '../../db/notification-ledger';
import { createPool } from '../../db/pool';
import { connectServices, type Services } from '../support/integration';

// Lease races against the real database: claim (short transaction) → send (no connection) → mark.
let services: Services;
beforeAll(async () => {
  services = await connectServices();
});
afterAll(async () => services?.close());

const SHORT_LEASE_MS = 300;

function ledgerKey(name: string): LedgerKey {
  return { workflowId: `ledger-leases/${name}/${randomUUID()}`, runId: 'run-1', step: '1.e1.p0.l1', target: 'hook' };
}

/** What a notifier derives from the ledger key for the provider (the webhook's Idempotency-Key shape). */
const idempotencyKey = (k: LedgerKey) => `${k.workflowId}:${k.step}:${k.target}`;

/** A provider that records the idempotency key of every delivery it accepts, after `delayMs`. */
function fakeProvider(delayMs = 0) {
  const accepted: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    accepted,
    maxInFlight: () => maxInFlight,
    async deliver(k: LedgerKey) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        accepted.push(idempotencyKey(k));
        return { detail: `accepted #${accepted.length}`, ref: { idempotencyKey: idempotencyKey(k) } };
      } finally {
        inFlight--;
      }
    },
  };
}

/** Repeats `attempt` while the ledger answers busy, waiting as long as it says (at most 50 ms at a time). */
async function whileBusy<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LedgerBusyError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(Math.max(err.retryAfterMs, 1), 50)));
    }
  }
}

/** Claims the key once its current lease has run out (polling the claim itself). */
async function claimWhenFree(k: LedgerKey, leaseMs: number): Promise<Extract<LedgerClaim, { kind: 'claimed' }>> {
  return whileBusy(async () => {
    const c = await claimSend(services.pool, k, 'webhook', leaseMs);
    if (c.kind === 'busy') throw new LedgerBusyError(k, c.retryAfterMs);
    if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
    return c;
  });
}

async function row(k: LedgerKey) {
  const rows = await ledgerRows(services.pool, k.workflowId);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('notification ledger leases', () => {
  it('two senders racing for one step: one sends, the other is refused busy', async () => {
    const k = ledgerKey('race');
    const provider = fakeProvider(200);
    const results = await Promise.allSettled([1, 2].map(() => sendOnce(services.pool, k, 'webhook', () => provider.deliver(k))));
    expect(provider.accepted).toHaveLength(1);
    const sent = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(sent).toMatchObject([{ value: { duplicate: false, result: { detail: 'accepted #1' } } }]);
    expect(refused).toHaveLength(1);
    const busy = refused[0]!.reason as LedgerBusyError;
    expect(busy).toBeInstanceOf(LedgerBusyError);
    expect(busy.message).toContain(k.workflowId);
    expect(busy.retryAfterMs).toBeGreaterThan(0);
    // Once the first finished, the refused one's retry is a duplicate.
    expect(await sendOnce(services.pool, k, 'webhook', () => provider.deliver(k))).toMatchObject({ duplicate: true, result: { detail: 'accepted #1' } });
    expect(provider.accepted).toHaveLength(1);
  });

  it('a sender that claimed and died before sending: others are busy until its lease expires, then one sends', async () => {
    const k = ledgerKey('died-before-send');
    const dead = await claimSend(services.pool, k, 'webhook', SHORT_LEASE_MS);
    expect(dead).toMatchObject({ kind: 'claimed', attempt: 1 });
    const provider = fakeProvider();
    const busy = await sendOnce(services.pool, k, 'webhook', () => provider.deliver(k)).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(LedgerBusyError);
    expect((busy as LedgerBusyError).retryAfterMs).toBeGreaterThan(0);
    expect((busy as LedgerBusyError).retryAfterMs).toBeLessThanOrEqual(SHORT_LEASE_MS);
    // Three workers retry the step; after the lease runs out exactly one of them sends.
    const outcomes = await Promise.all([1, 2, 3].map(() => whileBusy(() => sendOnce(services.pool, k, 'webhook', () => provider.deliver(k), { leaseMs: 5_000 }))));
    expect(provider.accepted).toEqual([idempotencyKey(k)]);
    expect(outcomes.map((o) => o.duplicate).sort()).toEqual([false, true, true]);
    expect(await row(k)).toMatchObject({ status: 'sent', attempts: 2, lease_until: null, attempt_log: [{ attempt: 1, error: expect.stringMatching(/lease expired/) }] });
  });

  it('a sender killed after the provider accepted and before marking: resent once after the lease, with the same idempotency key', async () => {
    const k = ledgerKey('died-after-send');
    const provider = fakeProvider();
    const dead = await claimSend(services.pool, k, 'webhook', SHORT_LEASE_MS);
    expect(dead.kind).toBe('claimed');
    await provider.deliver(k); // …and the process dies here: no markSent.
    const resent = await whileBusy(() => sendOnce(services.pool, k, 'webhook', () => provider.deliver(k)));
    expect(resent.duplicate).toBe(false);
    expect(await sendOnce(services.pool, k, 'webhook', () => provider.deliver(k))).toMatchObject({ duplicate: true });
    // Two deliveries, one key: a receiver honouring it drops the second.
    expect(provider.accepted).toHaveLength(2);
    expect(new Set(provider.accepted)).toEqual(new Set([idempotencyKey(k)]));
    expect(await row(k)).toMatchObject({ status: 'sent', attempts: 2, detail: 'accepted #2' });
  });

  it('a sender finishing after its lease expired cannot overwrite the new holder (fencing)', async () => {
    const k = ledgerKey('fenced');
    const stale = await claimSend(services.pool, k, 'webhook', SHORT_LEASE_MS);
    if (stale.kind !== 'claimed') throw new Error(`expected a claim, got ${stale.kind}`);
    const current = await claimWhenFree(k, 60_000);
    expect(current.token).toBeGreaterThan(stale.token);
    expect(current.attempt).toBe(2);
    // The stale sender reports while the new holder is still sending, and again after it finished.
    expect(await markSent(services.pool, k, stale.token, { detail: 'stale' })).toBe(false);
    expect(await markFailed(services.pool, k, stale.token, 'stale failure')).toBe(false);
    expect(await row(k)).toMatchObject({ status: 'sending', detail: null, error: null });
    expect(await markSent(services.pool, k, current.token, { detail: 'current', ref: { id: 'c' } })).toBe(true);
    expect(await markSent(services.pool, k, stale.token, { detail: 'stale' })).toBe(false);
    expect(await row(k)).toMatchObject({ status: 'sent', detail: 'current', lease_until: null });
    expect(await claimSend(services.pool, k, 'webhook', 60_000)).toEqual({ kind: 'sent', stored: { detail: 'current', ref: { id: 'c' } } });
  });

  it('a failed attempt is recorded in the attempt history and releases the lease', async () => {
    const k = ledgerKey('failed');
    const boom = new Error('provider answered 503');
    await expect(sendOnce(services.pool, k, 'webhook', () => Promise.reject(boom))).rejects.toBe(boom);
    const failed = await row(k);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: 'provider answered 503', lease_until: null });
    expect(failed.attempt_log).toEqual([{ attempt: 1, at: expect.any(String), error: 'provider answered 503' }]);
    // Released: the retry claims at once although the failed attempt's lease was the 60 s default.
    const retry = await claimSend(services.pool, k, 'webhook', 60_000);
    expect(retry).toMatchObject({ kind: 'claimed', attempt: 2 });
    expect(await markFailed(services.pool, k, (retry as { token: number }).token, 'provider answered 429')).toBe(true);
    expect((await row(k)).attempt_log.map((e) => [e.attempt, e.error])).toEqual([
      [1, 'provider answered 503'],
      [2, 'provider answered 429'],
    ]);
  });

  it('keeps only the newest 20 attempts in the history', async () => {
    const k = ledgerKey('history');
    for (let i = 1; i <= 23; i++) {
      const c = await claimSend(services.pool, k, 'webhook', 60_000);
      if (c.kind !== 'claimed') throw new Error(`expected a claim, got ${c.kind}`);
      await markFailed(services.pool, k, c.token, `failure ${i}`);
    }
    const log = (await row(k)).attempt_log;
    expect(log.map((e) => e.attempt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
  });
});

describe('the pool bounds Postgres work, not provider latency', () => {
  it('ten concurrent 300 ms sends through a 2-connection pool are all in flight at once and all recorded', async () => {
    const small = createPool(services.databaseUrl, 'vigil-test-leases', 2);
    try {
      const provider = fakeProvider(300);
      const keys = Array.from({ length: 10 }, (_, i) => ledgerKey(`pool-${i}`));
      const outcomes = await Promise.all(keys.map((k) => sendOnce(small, k, 'webhook', () => provider.deliver(k))));
      expect(outcomes.every((o) => !o.duplicate)).toBe(true);
      expect(provider.accepted).toHaveLength(10);
      // Holding a connection across the send would allow two sends at a time.
      expect(provider.maxInFlight()).toBe(10);
      for (const k of keys) expect(await row(k)).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      await small.end();
    }
  });
});
