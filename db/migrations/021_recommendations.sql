-- Issue 15, recommendations stored and ranked. (1) Hourly errors are forecast too: the error-budget
-- insight projects what the SLO window may still take against their 80 % band.
ALTER TABLE forecasts DROP CONSTRAINT forecasts_metric_check;
ALTER TABLE forecasts ADD CONSTRAINT forecasts_metric_check CHECK (metric IN ('requests', 'p95_ms', 'quality', 'cost_usd', 'errors'));

-- (2) Every recommendation of a Forecast run in one ranked list (capacity plans keep their numbers in
-- capacity_recommendations): the run's slot keys it, so a retried run replaces its own rows; the
-- dashboard and the report read the latest run. A run is recorded even when it recommends nothing,
-- so "nothing to do" is told apart from "not run yet". The rollup rules judge [judged_from, made_for).
CREATE TABLE recommendation_runs (
  made_for     timestamptz PRIMARY KEY,
  judged_from  timestamptz NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE recommendations (
  made_for     timestamptz NOT NULL REFERENCES recommendation_runs ON DELETE CASCADE,
  rank         integer     NOT NULL CHECK (rank >= 1),
  kind         text        NOT NULL CHECK (kind IN ('scale_up', 'scale_down', 'sla_at_risk', 'budget_at_risk', 'error_budget', 'quality_at_risk', 'cost_increase')),
  service      text,                                -- NULL: the estate (spend against the monthly budget)
  priority     smallint    NOT NULL CHECK (priority BETWEEN 1 AND 3),
  title        text        NOT NULL,
  detail       text        NOT NULL,
  PRIMARY KEY (made_for, rank)
);
CREATE INDEX recommendations_latest ON recommendations (made_for DESC, rank);
