import type { Pool } from 'pg';

/** A trained model as stored: the detector's JSON, the features it reads, and its alarm threshold. */
export interface StoredModel {
  service: string;
  version: number;
  detector: string;
  features: string[];
  model: unknown;
  threshold: number;
  trainingWindows: number;
  trainedAt: Date;
}

/** Stores a new version (the previous ones stay, for comparison and rollback); returns its number. */
export async function saveModel(pool: Pool, m: Omit<StoredModel, 'version' | 'trainedAt'> & { trainedFrom: number; trainedTo: number }): Promise<number> {
  const r = await pool.query<{ version: number }>(
    `INSERT INTO anomaly_models (service, version, detector, features, model, threshold, training_windows, trained_from, trained_to)
     SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM anomaly_models WHERE service = $1
     RETURNING version`,
    [m.service, m.detector, m.features, JSON.stringify(m.model), m.threshold, m.trainingWindows, new Date(m.trainedFrom), new Date(m.trainedTo)],
  );
  return r.rows[0]!.version;
}

/** The newest model of a service, if any was trained. */
export async function latestModel(pool: Pool, service: string): Promise<StoredModel | undefined> {
  const r = await pool.query(
    `SELECT service, version, detector, features, model, threshold, training_windows, trained_at
     FROM anomaly_models WHERE service = $1 ORDER BY version DESC LIMIT 1`,
    [service],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    service: row.service,
    version: row.version,
    detector: row.detector,
    features: row.features,
    model: row.model,
    threshold: row.threshold,
    trainingWindows: row.training_windows,
    trainedAt: row.trained_at,
  };
}

/** Services that reported windows since `since`, the ones worth (re)training. */
export async function servicesWithWindows(pool: Pool, since: number): Promise<string[]> {
  const r = await pool.query<{ service: string }>('SELECT DISTINCT service FROM metric_windows WHERE window_start >= $1 ORDER BY service', [new Date(since)]);
  return r.rows.map((x) => x.service);
}
