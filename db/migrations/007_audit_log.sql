-- The audit trail: append-only and hash-chained. Each entry's hash (sha256 over a canonical JSON of
-- seq, time, kind, payload and the previous entry's hash) is computed by the appender, which holds an
-- advisory lock so seq stays gapless and the chain never forks (db/audit-log.ts).
-- Personal data never enters the hashed payload: it lives in audit_personal, linked by seq, and can be
-- erased (GDPR) without breaking the chain.
CREATE TABLE audit_log (
  seq       bigint      PRIMARY KEY CHECK (seq > 0),
  at        timestamptz NOT NULL,
  kind      text        NOT NULL,
  payload   jsonb       NOT NULL,
  prev_hash text        NOT NULL,
  hash      text        NOT NULL
);

CREATE TABLE audit_personal (
  seq        bigint NOT NULL REFERENCES audit_log (seq),
  subject_id text   NOT NULL,
  data       jsonb  NOT NULL,
  PRIMARY KEY (seq, subject_id)
);
CREATE INDEX audit_personal_subject ON audit_personal (subject_id);

-- Chain heads recorded every N entries: a verifier (or a copy kept elsewhere) can compare against them.
CREATE TABLE audit_checkpoints (
  seq  bigint      PRIMARY KEY,
  hash text        NOT NULL,
  at   timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- audit_personal rows may be deleted (erasure) but never rewritten.
CREATE TRIGGER audit_personal_no_update BEFORE UPDATE ON audit_personal
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_checkpoints FROM PUBLIC;
REVOKE UPDATE, TRUNCATE ON audit_personal FROM PUBLIC;

-- Only a superuser can create event triggers. Where the migration runs as one, DDL that would
-- switch off or drop the protection (ALTER TABLE ... DISABLE TRIGGER, DROP TRIGGER/TABLE/FUNCTION)
-- is refused for every role, the table owner included. Deployments should still run the app as a
-- role that does not own these tables (so it cannot ALTER them at all).
CREATE FUNCTION audit_refuse_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  obj record;
BEGIN
  IF TG_EVENT = 'sql_drop' THEN
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
      IF obj.object_identity ~ '(^|\.)(audit_log|audit_checkpoints|audit_refuse_change)($|\(| )'
         OR obj.object_identity ~ '^audit_(log|checkpoints|personal)_[a-z_]+ on ' THEN
        RAISE EXCEPTION 'audit trail protection: dropping % is refused', obj.object_identity
          USING ERRCODE = 'insufficient_privilege';
      END IF;
    END LOOP;
  ELSE
    FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
      IF obj.object_type = 'table'
         AND obj.objid IN ('audit_log'::regclass, 'audit_checkpoints'::regclass, 'audit_personal'::regclass) THEN
        RAISE EXCEPTION 'audit trail protection: % on % is refused', obj.command_tag, obj.object_identity
          USING ERRCODE = 'insufficient_privilege';
      END IF;
    END LOOP;
  END IF;
END;
$$;

DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER audit_guard_alter ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
      EXECUTE FUNCTION audit_refuse_ddl();
    CREATE EVENT TRIGGER audit_guard_drop ON sql_drop
      EXECUTE FUNCTION audit_refuse_ddl();
  END IF;
END;
$$;
