-- Signed action links (email and other channels without buttons) are single use: claiming a link
-- is inserting its nonce, and the primary key makes a second claim insert nothing.
-- Rows older than the longest link lifetime (incidents.actionLinkTtl) can be deleted at will.

CREATE TABLE action_token_uses (
  nonce       text        PRIMARY KEY,
  workflow_id text        NOT NULL,
  action      text        NOT NULL CHECK (action IN ('acknowledge', 'resolve')),
  recipient   text        NOT NULL,
  used_by_ip  text,
  used_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_token_uses_used_at ON action_token_uses (used_at);
