-- The ServiceMonitor's anomaly ensemble, one per service (issue 14, item 7). Its snapshot is 250–300 KB
-- (seasonal slots and calibrators of every specialist), too big to ride in workflow input on every
-- continue-as-new, and the scoring activity runs on any vigil-ml worker, so the state lives here.
-- Writes stay small: every window appends one row to anomaly_detector_windows (its point and the
-- verdict given), and the snapshot is rewritten only every few hundred windows (a checkpoint); a worker
-- without the state in memory restores the checkpoint and replays the rows after it.
CREATE TABLE anomaly_detector_state (
  service        text        PRIMARY KEY,
  -- The layout of the ensemble (members, options). A snapshot of another format is dropped and
  -- relearned rather than restored into a detector it no longer matches.
  format         integer     NOT NULL,
  -- Sequence of the last window applied, and of the last one the checkpoint holds.
  head_seq       bigint      NOT NULL,
  checkpoint_seq bigint      NOT NULL,
  -- Start of the newest window applied: an older one can no longer be learned in time order.
  head_t         bigint,
  snapshot       text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per window applied since (about) the last checkpoint. window_key (source@start) makes a
-- retried activity return the verdict it gave, never apply the same window twice.
CREATE TABLE anomaly_detector_windows (
  service     text               NOT NULL,
  seq         bigint             NOT NULL,
  window_key  text               NOT NULL,
  t           bigint             NOT NULL,
  point       double precision[] NOT NULL,
  verdict     jsonb              NOT NULL,
  PRIMARY KEY (service, seq),
  UNIQUE (service, window_key)
);
