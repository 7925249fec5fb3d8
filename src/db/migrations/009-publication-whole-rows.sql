-- The publication publishes whole rows again (007 had narrowed it to the columns the cache reads). With a
-- column list, PostgreSQL refuses every UPDATE and DELETE on a table whose replica identity the list does
-- not cover: one `ALTER TABLE assets REPLICA IDENTITY FULL` by another tool (a CDC connector, say) would
-- make the help desk's own writes fail. The lists' gain was a few percent of the walsender's and the
-- leader's CPU per write, inside run-to-run noise (docs/measurements.md); the feed reads the same columns
-- either way (workers/feed-rows.ts).
ALTER PUBLICATION awc_cache SET TABLE assets, tickets, contacts;
