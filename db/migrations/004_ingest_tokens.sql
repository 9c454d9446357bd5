-- Bearer tokens for POST /v1/metrics, one service each. Only the SHA-256 of a token is stored:
-- the plaintext is shown once at creation and cannot be recovered from the database.
CREATE TABLE ingest_tokens (
  id         text        PRIMARY KEY,
  service    text        NOT NULL,
  token_hash text        NOT NULL UNIQUE,   -- sha256 hex of the whole token ("vgl_...")
  name       text        NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX ingest_tokens_service ON ingest_tokens (service) WHERE revoked_at IS NULL;
