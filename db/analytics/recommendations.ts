import type { Pool } from 'pg';
import { inTransaction } from '../pool';
import type { RankedRecommendation } from '../../domain/analytics/ranked-recommendations';
import type { RecommendationKind } from '../../domain/analytics/recommendations';

/** Replaces the ranked recommendations of one Forecast run (a retry rewrites its own rows, in one transaction). */
export async function storeRecommendations(pool: Pool, madeFor: number, judgedFrom: number, recs: readonly RankedRecommendation[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('DELETE FROM recommendation_runs WHERE made_for = $1', [new Date(madeFor)]);
    await client.query('INSERT INTO recommendation_runs (made_for, judged_from) VALUES ($1, $2)', [new Date(madeFor), new Date(judgedFrom)]);
    for (const r of recs) {
      await client.query('INSERT INTO recommendations (made_for, rank, kind, service, priority, title, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        new Date(madeFor), r.rank, r.kind, r.service, r.priority, r.title, r.detail,
      ]);
    }
  });
}

/** The latest Forecast run's recommendations in rank order; null before the first run (as opposed to [] when it found nothing to do). */
export async function latestRecommendations(pool: Pool): Promise<RankedRecommendation[] | null> {
  const run = await pool.query<{ made_for: Date }>('SELECT made_for FROM recommendation_runs ORDER BY made_for DESC LIMIT 1');
  const madeFor = run.rows[0]?.made_for;
  if (!madeFor) return null;
  const r = await pool.query<{ rank: number; kind: RecommendationKind; service: string | null; priority: 1 | 2 | 3; title: string; detail: string }>(
    'SELECT rank, kind, service, priority, title, detail FROM recommendations WHERE made_for = $1 ORDER BY rank',
    [madeFor],
  );
  return r.rows.map((row) => ({ rank: row.rank, kind: row.kind, service: row.service, priority: row.priority, title: row.title, detail: row.detail }));
}
