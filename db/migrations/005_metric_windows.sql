-- Window summaries as stored history (dashboards, /metrics SLIs, model training); the
-- ServiceMonitor workflow gets the same windows as signals and does not read this table.
-- The primary key makes a re-sent window a no-op, while the windows of a service's replicas (one
-- source each) for the same start are all kept. It includes window_start, so the table can later
-- become range-partitioned by window_start (retention = dropping a partition).
CREATE TABLE metric_windows (
  service            text             NOT NULL,
  window_start       timestamptz      NOT NULL,
  -- the reporting replica ('' when the reporter names none); windows summarised from raw samples
  -- add up in one row per service and start under '~samples'
  source             text             NOT NULL DEFAULT '',
  duration_ms        integer          NOT NULL CHECK (duration_ms > 0),
  count              bigint           NOT NULL CHECK (count >= 0),
  errors             bigint           NOT NULL CHECK (errors >= 0 AND errors <= count),
  -- quantiles computed from the sketch at insert time, for cheap queries; NULL for an empty window
  p50_ms             double precision,
  p95_ms             double precision,
  p99_ms             double precision,
  quality_avg        double precision,
  quality_count      bigint           NOT NULL DEFAULT 0,
  cost_usd           double precision NOT NULL DEFAULT 0,
  tokens             bigint           NOT NULL DEFAULT 0,
  satisfaction_avg   double precision,
  satisfaction_count bigint           NOT NULL DEFAULT 0,
  dropped            bigint           NOT NULL DEFAULT 0,
  sketch             jsonb            NOT NULL,   -- the LatencySketch, mergeable across windows
  received_at        timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (service, window_start, source)
);
-- Rows arrive roughly in window_start order, so a BRIN index stays tiny and serves time-range scans.
CREATE INDEX metric_windows_start_brin ON metric_windows USING brin (window_start);
