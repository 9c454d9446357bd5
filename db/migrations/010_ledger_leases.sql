-- The notification ledger no longer holds a row lock (and a pooled connection) across a provider's
-- HTTP call. A sender claims the row with a lease in a short transaction, sends with no connection
-- held, and records the outcome in a second short transaction (db/notification-ledger.ts).
--
-- lease_token: a fencing token, incremented by every claim. Only the holder of the current token may
--   record a result, so a sender that outlived its lease cannot overwrite its successor's outcome.
-- lease_until: while status = 'sending', others keep off the row until then (database clock). Rows
--   written before this migration have none, so a 'sending' row without a lease may be taken over
--   (an old-style sender still in flight holds its row lock, and the claim waits for it).
-- attempt_log: the last 20 attempts that did not end in 'sent' ({attempt, at, error}), oldest first,
--   for `vigil incidents show`; `error` keeps only the latest.
--
-- vigil_app (009) holds table-level SELECT/INSERT/UPDATE/DELETE on notifications, which covers
-- columns added later: no grant changes.
ALTER TABLE notifications
  ADD COLUMN lease_token bigint      NOT NULL DEFAULT 0,
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN attempt_log jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attempt_log) = 'array');
