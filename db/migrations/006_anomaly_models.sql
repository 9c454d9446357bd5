-- Versioned per-service anomaly models, trained on a Temporal Schedule from metric_windows.
CREATE TABLE anomaly_models (
  service          text        NOT NULL,
  version          integer     NOT NULL,
  detector         text        NOT NULL,
  features         text[]      NOT NULL,
  model            jsonb       NOT NULL,
  threshold        double precision NOT NULL,
  training_windows integer     NOT NULL,
  trained_from     timestamptz NOT NULL,
  trained_to       timestamptz NOT NULL,
  trained_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, version)
);
