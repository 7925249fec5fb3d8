-- What the WAL feed costs the database server (issue 15). A batch's rows (tens of kB of JSON under load) were
-- compressed with pglz on every insert and decompressed on every instance's read; stored out of line and
-- uncompressed, the relay's publishing session used about half the CPU it did (0.55 -> 0.29 s per 15 s of
-- pgbench writes, `npm run bench:feed -- --split-cores`). The price is space: ~200 bytes per changed row for
-- the 300 s the leader keeps batches (500 writes/s: ~30 MB; the table is unlogged and pruned every 10 s).
-- lz4 would be cheaper to store, but the embedded PostgreSQL is built without it.
ALTER TABLE awc_feed_batches ALTER COLUMN rows SET STORAGE EXTERNAL;
