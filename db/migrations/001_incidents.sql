-- Projections of incident workflows (Temporal stays the source of truth for open incidents)
-- and the notification ledger that makes every send happen once.

CREATE TABLE incidents (
  incident_id     text PRIMARY KEY,          -- first run ID of the workflow chain
  workflow_id     text        NOT NULL,      -- incident/<fingerprint>
  fingerprint     text        NOT NULL,
  service         text        NOT NULL,
  kind            text        NOT NULL,
  dimension       text        NOT NULL,
  severity        text        NOT NULL,
  status          text        NOT NULL,
  title           text        NOT NULL,
  details         jsonb       NOT NULL DEFAULT '{}',
  labels          jsonb       NOT NULL DEFAULT '{}',
  episode         integer     NOT NULL,
  occurrences     integer     NOT NULL,
  level           text,
  opened_at       timestamptz NOT NULL,
  -- first acknowledgement and first resolution of the incident: what MTTA and MTTR measure
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at     timestamptz,
  resolved_by     text,
  last_seq        integer     NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_service_opened ON incidents (service, opened_at DESC);
CREATE INDEX incidents_open ON incidents (status) WHERE status <> 'resolved';
CREATE INDEX incidents_workflow ON incidents (workflow_id, opened_at DESC);

CREATE TABLE incident_events (
  incident_id text        NOT NULL REFERENCES incidents (incident_id),
  seq         integer     NOT NULL,
  at          timestamptz NOT NULL,
  type        text        NOT NULL,
  actor       text        NOT NULL,
  text        text        NOT NULL,
  data        jsonb,
  PRIMARY KEY (incident_id, seq)
);

CREATE TABLE notifications (
  workflow_id  text        NOT NULL,
  run_id       text        NOT NULL,         -- first run ID: stable across continue-as-new
  step         text        NOT NULL,
  target       text        NOT NULL,
  channel_type text        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  attempts     integer     NOT NULL DEFAULT 1,
  detail       text,
  provider_ref jsonb,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  PRIMARY KEY (workflow_id, run_id, step, target)
);

-- Mean time to acknowledge / resolve per service, for dashboards and `vigil incidents stats`.
CREATE VIEW service_response_times AS
SELECT service,
       count(*)                                                        AS incidents,
       count(*) FILTER (WHERE status <> 'resolved')                    AS open,
       avg(extract(epoch FROM acknowledged_at - opened_at))            AS mtta_seconds,
       avg(extract(epoch FROM resolved_at - opened_at))                AS mttr_seconds
FROM incidents
GROUP BY service;
