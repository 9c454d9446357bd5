-- Issue 15, second part. (1) Forecasts for two horizons: the 7-day hourly one the dashboard reads,
-- and a 30-day one, each with its own backtest, intervals and measured coverage (a 30-day-ahead
-- error is larger than a 7-day-ahead one, so the two cannot share intervals). Existing rows are 7-day.
ALTER TABLE forecasts ADD COLUMN horizon_days integer NOT NULL DEFAULT 7 CHECK (horizon_days IN (7, 30));
ALTER TABLE forecasts DROP CONSTRAINT forecasts_pkey;
ALTER TABLE forecasts ADD PRIMARY KEY (service, metric, horizon_days, made_for);

-- (2) Capacity recommendations, written by the Forecast workflow after each run's traffic forecasts:
-- one row per service and run, ranked within the run (1 = act first). A retried run replaces its
-- own rows (keyed by made_for), never adds to them; the dashboard and the report read the latest run.
CREATE TABLE capacity_recommendations (
  made_for          timestamptz      NOT NULL,            -- the Forecast run's slot
  service           text             NOT NULL,
  rank              integer          NOT NULL CHECK (rank >= 1),
  kind              text             NOT NULL CHECK (kind IN ('scale_up', 'scale_down', 'hold')),
  priority          smallint         NOT NULL CHECK (priority BETWEEN 1 AND 3),
  current_replicas  integer          NOT NULL,
  replicas_needed   integer          NOT NULL,
  per_replica_rps   double precision NOT NULL,
  capacity_source   text             NOT NULL CHECK (capacity_source IN ('usl_fit', 'config')),
  forecast_peak_rps double precision NOT NULL,
  needed_from       timestamptz,                          -- when the forecast first needs more than run now
  monthly_cost_delta_usd double precision,                -- NULL without analytics.capacity.costPerReplicaHourUsd
  text              text             NOT NULL,
  computed_at       timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (made_for, service)
);
CREATE INDEX capacity_recommendations_latest ON capacity_recommendations (made_for DESC, rank);
