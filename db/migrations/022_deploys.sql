-- Issue 16: deploys reported by CI pipelines (POST /v1/deploys, `vigil deploys record`), drawn as
-- markers on the console's service charts. (service, version, at) is the identity: a pipeline that
-- retries its report gets the stored row back instead of a second marker.
CREATE TABLE deploys (
  id           bigserial   PRIMARY KEY,
  service      text        NOT NULL,
  version      text        NOT NULL,
  at           timestamptz NOT NULL,
  description  text,
  recorded_by  text        NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service, version, at)
);
CREATE INDEX deploys_service_at ON deploys (service, at);
