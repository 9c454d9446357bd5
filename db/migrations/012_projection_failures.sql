-- Projections Postgres refused for their data (e.g. NUL in text, an escape jsonb cannot hold): each is
-- recorded here and written again with the offending characters replaced, so one bad value never
-- stalls an incident's copy; /metrics counts them (vigil_projection_failures_total).
CREATE TABLE projection_failures (
  id          bigserial   PRIMARY KEY,
  incident_id text        NOT NULL,
  workflow_id text        NOT NULL,
  last_seq    integer     NOT NULL,
  error       text        NOT NULL,
  -- true: written again with replacements; false: even that was refused (nothing of this change stored)
  recovered   boolean     NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projection_failures_incident ON projection_failures (incident_id);
