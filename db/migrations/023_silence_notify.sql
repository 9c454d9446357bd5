-- Workers keep the running silences in memory instead of reading them for every escalation step
-- (db/silence-watch.ts): any change to the table tells them at commit, on this channel, to read again.
CREATE FUNCTION silences_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('vigil_silences', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER silences_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON silences
  FOR EACH STATEMENT EXECUTE FUNCTION silences_changed();
