-- What the WAL feed costs the database server (issue 15), continued. A batch's rows were JSON text, ~220
-- bytes per changed row, stored out of line in ~2 kB TOAST chunks: every batch cost the leader's session a
-- heap and an index insert per chunk, and every reading instance a detoast. The leader now sends them
-- deflated (`packed`, ~3.7 times smaller), and tuples up to a page stay in the table itself, so a batch of up to
-- ~130 changed rows is one heap insert and one read. `rows` stays for batches an instance of the previous
-- release publishes during a rolling reload; an instance of that release cannot read a `packed` batch and
-- resyncs (feed.batch_failed) until it is reloaded too.
ALTER TABLE awc_feed_batches ADD COLUMN packed BYTEA, ALTER COLUMN rows DROP NOT NULL;
ALTER TABLE awc_feed_batches ALTER COLUMN packed SET STORAGE EXTERNAL;
ALTER TABLE awc_feed_batches ADD CONSTRAINT awc_feed_batches_body CHECK (rows IS NOT NULL OR packed IS NOT NULL);
ALTER TABLE awc_feed_batches SET (toast_tuple_target = 8160);
