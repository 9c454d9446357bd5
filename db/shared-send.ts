import type { Pool } from 'pg';
import { claimSend, markFailed, markSent, type LedgerKey, type StoredSend } from './notification-ledger';

/** How one ledger row fared in a shared send. */
export type SharedOutcome =
  | { kind: 'sent'; duplicate: boolean; stored: StoredSend }
  | { kind: 'busy'; retryAfterMs: number };

/**
 * One provider message standing for several ledger rows (a storm digest: one Slack post, a row per
 * incident's page). Each row is claimed as sendOnce claims one; rows already sent are left out (the
 * caller gets their stored result, so a page is never in two digests), rows another sender holds are
 * left out as busy, and `send` gets the keys it now holds. Every held row is then marked with the one
 * result, or failed when the send throws (which is rethrown). The same crash window as sendOnce: a
 * sender dying between the provider's acceptance and marking sends the held rows again after the lease.
 */
export async function sendOnceShared(
  pool: Pool,
  keys: LedgerKey[],
  channelType: string,
  send: (held: LedgerKey[]) => Promise<StoredSend>,
  opts: { leaseMs: number },
): Promise<{ outcomes: SharedOutcome[]; sent: StoredSend | null }> {
  const claims = await Promise.all(keys.map((k) => claimSend(pool, k, channelType, opts.leaseMs)));
  const held: Array<{ key: LedgerKey; token: number }> = [];
  claims.forEach((c, i) => {
    if (c.kind === 'claimed') held.push({ key: keys[i]!, token: c.token });
  });
  if (held.length === 0) return { outcomes: claims.map(settled), sent: null };
  let result: StoredSend;
  try {
    result = await send(held.map((h) => h.key));
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await Promise.all(held.map((h) => markFailed(pool, h.key, h.token, error).catch(() => undefined)));
    throw err;
  }
  // A row fenced out meanwhile keeps its other holder's outcome; the provider has our message either way.
  await Promise.all(held.map((h) => markSent(pool, h.key, h.token, result)));
  return { outcomes: claims.map((c) => (c.kind === 'claimed' ? { kind: 'sent', duplicate: false, stored: result } : settled(c))), sent: result };
}

function settled(c: Awaited<ReturnType<typeof claimSend>>): SharedOutcome {
  if (c.kind === 'sent') return { kind: 'sent', duplicate: true, stored: c.stored };
  if (c.kind === 'busy') return { kind: 'busy', retryAfterMs: c.retryAfterMs };
  throw new Error('a claimed row has no settled outcome before its send');
}
