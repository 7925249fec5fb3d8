-- What the WAL feed costs the writers (issue 15).
--
-- The relay's batches (006) are written without WAL. Logged, every batch was written to the WAL a second time
-- (its rows are already there as the writers' own changes), its commit waited for a WAL flush alongside the
-- writers' commits, and the slot's walsender decoded the relay's own inserts. The batches are a few minutes'
-- relay buffer, not data: after a PostgreSQL crash the table comes back empty, and the next leader numbers
-- from the clock (workers/sql/batches.ts LEADER_LAST_SEQ_SQL), above any number an instance has seen, so
-- every instance notices the missing batches and resyncs (workers/feed-follower.ts).
ALTER TABLE awc_feed_batches SET UNLOGGED;

-- The publication sends only the columns the cache reads (workers/feed-rows.ts), so the walsender formats
-- and sends, and the leader parses, 10 of the 16 columns of an asset (not manufacturer, model, serial_number,
-- in_service_date, retired_at, updated_at) and 2 of a ticket's (not its description and notes). Column lists need PostgreSQL 15; before that the
-- publication stays whole (the feed reads the same columns either way). The replica identity (the primary
-- key) is in every list, as updates and deletes require.
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 150000 THEN
    EXECUTE 'ALTER PUBLICATION awc_cache SET TABLE
      assets (id, version, status, contact_id, client_id, created_at, hostname, warranty_expiration_date, screenconnect_session_id, pdq_device_id),
      tickets (id, contact_id),
      contacts (id, name)';
  END IF;
END $$;
