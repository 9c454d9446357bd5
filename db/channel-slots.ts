import type { Pool } from 'pg';

/**
 * Reserves the next send slot of a channel limited to `perSecond`, shared by every worker through
 * Postgres, and returns how long to wait before sending (0 when the slot is now).
 */
export async function reserveSlot(pool: Pool, channel: string, perSecond: number): Promise<number> {
  const spacingMs = 1000 / perSecond;
  const r = await pool.query<{ wait_ms: number }>(
    `INSERT INTO channel_slots (channel, next_at) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
     ON CONFLICT (channel) DO UPDATE
       SET next_at = greatest(channel_slots.next_at, clock_timestamp()) + $2 * interval '1 millisecond'
     RETURNING greatest(0, extract(epoch FROM (next_at - $2 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 AS wait_ms`,
    [channel, spacingMs],
  );
  return r.rows[0]!.wait_ms;
}
