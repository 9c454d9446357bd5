-- Executive rollups (issue 15): per service and hour / day, computed by the ExecutiveRollup workflow
-- from metric_windows, incidents and notifications. A row is replaced whole when its slot is rolled
-- again (a late window, a re-run); `computations` counts how often, so a double roll is visible.
-- Sums and counts are stored beside means, so hours combine into days and days into 90-day
-- periods exactly (means of means would weigh a quiet hour like a busy one).
CREATE TABLE rollups_hourly (
  service              text             NOT NULL,
  slot_start           timestamptz      NOT NULL,
  requests             bigint           NOT NULL,
  errors               bigint           NOT NULL,
  availability         double precision,             -- 1 − errors/requests; NULL without requests
  -- quantiles of the merged latency sketch (never averages of window percentiles)
  p50_ms               double precision,
  p95_ms               double precision,
  p99_ms               double precision,
  quality_sum          double precision NOT NULL,
  quality_count        bigint           NOT NULL,
  quality_avg          double precision,
  satisfaction_sum     double precision NOT NULL,
  satisfaction_count   bigint           NOT NULL,
  satisfaction_avg     double precision,
  cost_usd             double precision NOT NULL,
  tokens               bigint           NOT NULL,
  cost_per_query       double precision,
  cost_per_success     double precision,             -- cost / requests that succeeded
  -- OpenSLO Timeslices: slices judged (enough requests) and slices meeting every SLA
  slices_judged        integer          NOT NULL,
  slices_good          integer          NOT NULL,
  sla_compliance       double precision,
  -- availability error budget over the SLO window ending with this slot
  budget_consumed      double precision,
  budget_remaining     double precision,
  exhaustion_hours     double precision,             -- at this slot's burn rate; NULL when not burning
  incidents_by_severity jsonb           NOT NULL DEFAULT '{}',
  incidents_by_kind    jsonb            NOT NULL DEFAULT '{}',
  incidents_opened     integer          NOT NULL DEFAULT 0,
  acks                 integer          NOT NULL DEFAULT 0,  -- incidents first acknowledged in the slot
  ack_seconds          double precision NOT NULL DEFAULT 0,
  resolves             integer          NOT NULL DEFAULT 0,  -- incidents first resolved in the slot
  resolve_seconds      double precision NOT NULL DEFAULT 0,
  notifications_by_channel jsonb        NOT NULL DEFAULT '{}',
  compliance_violations integer         NOT NULL DEFAULT 0,
  replicas             integer          NOT NULL DEFAULT 0,  -- distinct reporting sources
  windows              integer          NOT NULL DEFAULT 0,  -- metric_windows rows rolled: a late one changes the count
  sketch               jsonb            NOT NULL,            -- merged LatencySketch, for days and periods
  computed_at          timestamptz      NOT NULL DEFAULT now(),
  computations         integer          NOT NULL DEFAULT 1,
  PRIMARY KEY (service, slot_start)
);
CREATE INDEX rollups_hourly_slot ON rollups_hourly (slot_start);

CREATE TABLE rollups_daily (LIKE rollups_hourly INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (service, slot_start));
CREATE INDEX rollups_daily_slot ON rollups_daily (slot_start);

-- One row per rolled slot (period 'hour' or 'day'): the catch-up watermark is the latest slot here,
-- and `started_at` of the previous run bounds the scan for late windows.
CREATE TABLE rollup_runs (
  period       text        NOT NULL CHECK (period IN ('hour', 'day')),
  slot_start   timestamptz NOT NULL,
  services     integer     NOT NULL,
  started_at   timestamptz NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT now(),
  computations integer     NOT NULL DEFAULT 1,
  PRIMARY KEY (period, slot_start)
);

-- Late windows are found by when they arrived; rows arrive in received_at order, so BRIN suffices.
CREATE INDEX metric_windows_received_brin ON metric_windows USING brin (received_at);
