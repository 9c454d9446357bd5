-- One row per ComplianceAudit run (scheduled or on demand). The id is the workflow id, so a retried
-- store activity or a replayed workflow finds its row instead of writing a second one.
CREATE TABLE compliance_reports (
  id           text        PRIMARY KEY,
  trigger      text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL CHECK (period_end > period_start),
  generated_at timestamptz NOT NULL,
  status       text        NOT NULL CHECK (status IN ('pass', 'attention', 'fail')),
  chain_ok     boolean     NOT NULL,
  -- The chain head at audit time: delivered with every report, so copies outside the database can
  -- later expose a rewritten tail (`vigil audit verify --expect seq:hash`).
  head_seq     bigint,
  head_hash    text,
  report       jsonb       NOT NULL,
  markdown     text        NOT NULL,
  html         text        NOT NULL
);
CREATE INDEX compliance_reports_period ON compliance_reports (period_end DESC);

-- Audits select processing events by when they were recorded; seq order follows it closely.
CREATE INDEX audit_log_at ON audit_log (at);

-- Processing events already recorded, by the reporting system's own event id: an SDK retry after a
-- lost response must not append the same event to the audit trail twice.
CREATE TABLE processing_events_seen (
  system   text   NOT NULL,
  event_id text   NOT NULL,
  seq      bigint NOT NULL,
  PRIMARY KEY (system, event_id)
);
