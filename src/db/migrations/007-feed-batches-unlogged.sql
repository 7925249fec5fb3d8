-- The WAL relay's batches (006) written without WAL (issue 15, writers' cost). Logged, every batch was written
-- to the WAL a second time (its rows are already there as the writers' own changes), its commit waited for a
-- WAL flush alongside the writers' commits, and the slot's walsender decoded the relay's own inserts. The
-- batches are a few minutes' relay buffer, not data: after a PostgreSQL crash the table comes back empty, and
-- the next leader numbers from the clock (workers/sql/batches.ts LEADER_LAST_SEQ_SQL), above any number an
-- instance has seen, so every instance notices the missing batches and resyncs (workers/feed-follower.ts).
ALTER TABLE awc_feed_batches SET UNLOGGED;
