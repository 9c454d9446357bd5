-- Who may act (issue: access control). Users are named as in the config's `users:` section, where
-- on-call contact details live; here are what the config must not hold: roles granted at run time,
-- password hashes, API keys and browser sessions.
CREATE TABLE users (
  name          text        PRIMARY KEY,
  email         text,
  slack_user_id text        UNIQUE,
  roles         text[]      NOT NULL DEFAULT '{}',
  -- empty: every team; otherwise the teams (service owners) whose incidents and silences this user may touch
  teams         text[]      NOT NULL DEFAULT '{}',
  -- scrypt, self-describing ("scrypt$N$r$p$salt$hash"); null: no password login (keys or SSO only)
  password_hash text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

-- Keys are "vk_<id>_<secret>": the id is stored and shown, the secret only as its SHA-256 (256 random
-- bits, so a fast hash is enough). A key belongs to a user (acting as them, never beyond their
-- roles) or to an automation (owner null, its scopes set by an admin).
CREATE TABLE api_keys (
  id           text        PRIMARY KEY,
  secret_hash  text        NOT NULL,
  name         text        NOT NULL,
  owner        text        REFERENCES users (name),
  scopes       text[]      NOT NULL,
  created_by   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Browser sessions: the cookie carries a random id whose hash is stored; the CSRF token is bound to it.
CREATE TABLE sessions (
  id_hash    text        PRIMARY KEY,
  user_name  text        NOT NULL REFERENCES users (name),
  csrf_token text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed logins per account, for back-off (domain/auth/lockout.ts); cleared by a success.
CREATE TABLE login_failures (
  user_name text        NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_user ON login_failures (user_name, at);
