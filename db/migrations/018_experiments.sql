-- Experiments (issue 17): the definition as created, its plan, and the live status the SDK's
-- kill switch reads (status and stopped variants). The workflow is the source of truth while it
-- runs; this row is its projection, and the place assignment looks for "return control".
CREATE TABLE experiments (
  name              text        PRIMARY KEY,
  service           text        NOT NULL,
  definition        jsonb       NOT NULL,
  plan              jsonb       NOT NULL,
  status            text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'paused', 'stopped', 'shipped')),
  stopped_variants  jsonb       NOT NULL DEFAULT '{}',   -- variant -> why it was stopped
  decision          text        NOT NULL DEFAULT 'keep_running',
  why               text        NOT NULL DEFAULT '',
  look              integer     NOT NULL DEFAULT 0,
  status_seq        integer     NOT NULL DEFAULT 0,  -- the workflow's write counter: an older write never lands after a newer one
  last_look         jsonb,                               -- the latest look's results (status without Temporal)
  created_by        text        NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Reports: one per (experiment, kind, look). A retried store or a replayed workflow writes the
-- same key, so it replaces its own row and never adds one.
CREATE TABLE experiment_reports (
  experiment  text        NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
  kind        text        NOT NULL CHECK (kind IN ('start', 'decision', 'weekly', 'manual')),
  look        integer     NOT NULL,
  report      jsonb       NOT NULL,
  markdown    text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment, kind, look)
);
