-- What /healthz and /metrics call a stalled pipe (domain/health).
--
-- Activities failing and still being retried, one row per thing being retried: (activity type,
-- workflow, subject), where the subject is the send's step|target when the workflow itself retries
-- with a new activity each time (sends use maximumAttempts 1), else the activity id (Temporal's own
-- retries keep it). Written by the worker interceptor (workers/interceptors), deleted when that
-- subject succeeds or gives up for good; a row nothing has touched for health.activityFailureStaleAfter
-- is ignored (its workflow gave up or closed) and purged by the workers after a day.
CREATE TABLE activity_failures (
  activity_type   text        NOT NULL,
  workflow_id     text        NOT NULL,
  subject         text        NOT NULL,
  attempts        integer     NOT NULL,
  -- when the first attempt was scheduled: for the projection activity, about when the change was made
  scheduled_at    timestamptz NOT NULL,
  first_failed_at timestamptz NOT NULL,
  last_failed_at  timestamptz NOT NULL,
  last_error      text        NOT NULL,
  PRIMARY KEY (activity_type, workflow_id, subject)
);
CREATE INDEX activity_failures_recent ON activity_failures (last_failed_at);

-- When the refused change was made in the workflow: projection lag is the age of the oldest change
-- that is not in Postgres. Rows from before this migration have none and never count as lag.
ALTER TABLE projection_failures ADD COLUMN changed_at timestamptz;
-- Unrecovered refusals are rare; the lag query reads only them.
CREATE INDEX projection_failures_unrecovered ON projection_failures (incident_id, last_seq) WHERE NOT recovered;
