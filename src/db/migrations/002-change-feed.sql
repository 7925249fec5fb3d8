-- The change feed: every write to what the widget serves, by any writer, announces itself on one channel
-- with ids and a version only. Payloads stay a few dozen bytes, far below PostgreSQL's 8000-byte limit, so a
-- notification can never abort the writer's transaction. Readers re-read the rows by id.
--   {"t":"a","op":"i|u|d","id":…,"v":version}   assets
--   {"t":"c","op":"i|u|d","id":…}               contacts (name changes)
--   {"t":"t","op":"i|u|d","id":…}               tickets (contact changes)

CREATE FUNCTION awc_notify_asset() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_id INTEGER := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
  row_version BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.version ELSE NEW.version END;
BEGIN
  PERFORM pg_notify('awc_changes', json_build_object('t', 'a', 'op', lower(left(TG_OP, 1)), 'id', row_id, 'v', row_version)::text);
  RETURN NULL;
END $$;

CREATE FUNCTION awc_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('awc_changes', json_build_object(
    't', TG_ARGV[0], 'op', lower(left(TG_OP, 1)), 'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER assets_notify AFTER INSERT OR UPDATE OR DELETE ON assets
  FOR EACH ROW EXECUTE FUNCTION awc_notify_asset();

-- Only the columns the widget serves: other edits to contacts and tickets stay silent.
CREATE TRIGGER contacts_notify_write AFTER INSERT OR DELETE ON contacts
  FOR EACH ROW EXECUTE FUNCTION awc_notify_row('c');
CREATE TRIGGER contacts_notify_name AFTER UPDATE OF name ON contacts
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION awc_notify_row('c');

CREATE TRIGGER tickets_notify_write AFTER INSERT OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION awc_notify_row('t');
CREATE TRIGGER tickets_notify_contact AFTER UPDATE OF contact_id ON tickets
  FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id) EXECUTE FUNCTION awc_notify_row('t');
