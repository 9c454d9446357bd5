-- Silences created at run time (CLI/API); config-file silences live in the config.
CREATE TABLE silences (
  id                   text        PRIMARY KEY,
  matchers             jsonb       NOT NULL,   -- [{name, op, value}]
  starts_at            timestamptz NOT NULL,
  ends_at              timestamptz NOT NULL,
  created_by           text        NOT NULL,
  comment              text        NOT NULL,
  -- when set, the silence also ends as soon as this incident resolves
  incident_workflow_id text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX silences_active ON silences (ends_at);

-- Shared send slots per channel: rate limits hold across every worker.
CREATE TABLE channel_slots (
  channel text        PRIMARY KEY,
  next_at timestamptz NOT NULL
);
