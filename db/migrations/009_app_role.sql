-- vigil_app: the least-privilege role the application runs as (docs/database-roles.md).
-- The triggers of 007 refuse UPDATE/DELETE/TRUNCATE on the audit trail, but the owner of a table can
-- still switch its triggers off or drop it; and event triggers, which refuse that too, exist only
-- where migrations ran as a superuser. So the app must not be the owner: it logs in as a role that
-- is a member of vigil_app (`CREATE ROLE vigil_api LOGIN PASSWORD '…' IN ROLE vigil_app`), which owns
-- nothing and holds only DML grants, and only `vigil migrate` connects as the owner.
--
-- Roles are cluster-wide while this migration runs once per database, so it creates the role only
-- if it is missing, and grants on this database's tables every time.
DO $$
DECLARE
  schema_name text := current_schema();
  rel record;
  privileges text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_app') THEN
    IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
      -- Managed databases often migrate as a role without CREATEROLE: the grants below need the
      -- role, so ask for it instead of failing the whole migration chain.
      RAISE NOTICE 'vigil_app not created and nothing granted: % lacks CREATEROLE. Have an administrator run CREATE ROLE vigil_app NOLOGIN, then DELETE FROM schema_migrations WHERE version = ''009_app_role'' and run vigil migrate again (docs/database-roles.md)', current_user;
      RETURN;
    END IF;
    BEGIN
      CREATE ROLE vigil_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of this cluster was migrated at the same moment and created it
    END;
  END IF;

  -- On PostgreSQL 15+ every role already has USAGE on public; a custom schema needs the grant.
  IF NOT has_schema_privilege('vigil_app', schema_name, 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO vigil_app', schema_name);
  END IF;

  -- No TRUNCATE, REFERENCES or TRIGGER anywhere: the app needs none of them, and TRIGGER would let it
  -- attach its own triggers to the audit tables.
  FOR rel IN
    SELECT c.oid::regclass AS name, c.relname, c.relkind
    FROM pg_class c
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = schema_name) AND c.relkind IN ('r', 'p', 'v', 'm')
  LOOP
    privileges := CASE
      -- Append-only and hash-chained: a row once written is never changed or removed.
      WHEN rel.relname IN ('audit_log', 'audit_checkpoints') THEN 'SELECT, INSERT'
      -- A stored compliance report is evidence; a later run writes a new one instead of changing it.
      WHEN rel.relname IN ('compliance_reports', 'processing_events_seen') THEN 'SELECT, INSERT'
      -- Personal data is deleted on erasure (GDPR) but never rewritten.
      WHEN rel.relname = 'audit_personal' THEN 'SELECT, INSERT, DELETE'
      -- Only migrations (run as the owner) record what has been applied.
      WHEN rel.relname = 'schema_migrations' THEN 'SELECT'
      -- Views are read models.
      WHEN rel.relkind IN ('v', 'm') THEN 'SELECT'
      ELSE 'SELECT, INSERT, UPDATE, DELETE'
    END;
    EXECUTE format('GRANT %s ON %s TO vigil_app', privileges, rel.name);
  END LOOP;
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO vigil_app', schema_name);

  -- Tables that later migrations create (as this same owner) get the ordinary DML grants. A later
  -- table that must be append-only like the audit trail revokes UPDATE/DELETE in its own migration.
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO vigil_app', schema_name);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE ON SEQUENCES TO vigil_app', schema_name);
END;
$$;
