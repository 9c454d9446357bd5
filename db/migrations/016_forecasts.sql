-- Forecasts (issue 15): one row per service, metric and run of the Forecast workflow. The id is the
-- run's slot, so a retried store or a replayed workflow replaces its own row, never adds one.
CREATE TABLE forecasts (
  service      text        NOT NULL,
  metric       text        NOT NULL CHECK (metric IN ('requests', 'p95_ms', 'quality', 'cost_usd')),
  made_for     timestamptz NOT NULL,            -- the run's slot: forecasts start at the next hour
  step_ms      integer     NOT NULL,
  method       text        NOT NULL,
  mase         jsonb       NOT NULL,            -- backtest MASE per candidate
  coverage     jsonb       NOT NULL,            -- measured out-of-sample coverage per level
  point        jsonb       NOT NULL,
  intervals    jsonb       NOT NULL,
  note         text,
  computed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, metric, made_for)
);
