/**
 * workers/sql/ is the only place the worker writes SQL; statements are parameterised. This file: the WAL
 * relay's batches (006-feed-batches.sql), as the leader publishes and prunes them and followers read them.
 */

/**
 * The leader inserts a batch (its rows deflated, packed-rows.ts) and NOTIFYs its number in one statement, so a follower told of it can read it,
 * and the number is never announced for a batch rolled back.
 * A decoded commit can still be invisible to other sessions (its commit record is flushed before the writer
 * leaves the proc array, e.g. while it waits for a synchronous standby): the batch is inserted only once the
 * statement's snapshot sees every transaction in it ($5, 32-bit xids as pgoutput sends them), so whatever a
 * follower applied is in any snapshot taken after. No row: not visible yet, publish again shortly.
 * A 32-bit xid is not seen when it is at or past the snapshot's xmax (modulo 2^32) or still in progress.
 */
export const PUBLISH_BATCH_SQL = `WITH snap AS (SELECT pg_snapshot_xmax(s)::text::int8 % 4294967296 AS xmax,
    ARRAY(SELECT x::text::int8 % 4294967296 FROM pg_snapshot_xip(s) x) AS xip FROM pg_current_snapshot() s),
  b AS (INSERT INTO awc_feed_batches (seq, lsn, packed) SELECT $1, $2::pg_lsn, $3 WHERE NOT EXISTS (
    SELECT 1 FROM unnest($5::int8[]) t(xid), snap WHERE (t.xid - snap.xmax + 4294967296) % 4294967296 < 2147483648 OR t.xid = ANY(snap.xip))
    RETURNING seq)
  SELECT pg_notify($4, json_build_object('t', 'b', 's', seq)::text) FROM b`;
/** A follower's start: the last number published, 0 when there is none. */
export const LAST_SEQ_SQL = 'SELECT COALESCE(max(seq), 0)::text AS seq FROM awc_feed_batches';
/**
 * A leader's start: it continues the numbering, or, when the table is empty (a new database, or the unlogged
 * table emptied by a PostgreSQL crash, 007), starts it at the server clock in microseconds: above any number
 * published before (a leader would have to publish more than one batch per microsecond to get ahead of the
 * clock), so no instance can take a new batch for one it already has. Below 2^53: exact as a JS number.
 */
export const LEADER_LAST_SEQ_SQL = `SELECT COALESCE(max(seq), (extract(epoch FROM clock_timestamp()) * 1000000)::int8)::text AS seq,
  max(seq) IS NULL AS empty FROM awc_feed_batches`;
/** The batches after the last one a follower applied, a few at a time. */
export const READ_BATCHES_SQL = 'SELECT b.seq::text AS seq, b.rows, b.packed FROM awc_feed_batches b WHERE b.seq > $1 ORDER BY b.seq LIMIT $2';
/**
 * Retention: the batches before the first one published within the last $1 seconds go, through the key
 * (a filter on published_at read every batch kept, up to tens of MB, every time); the newest batch always
 * stays, so the next leader continues its numbering. Numbers follow publication, so the first recent one
 * is found after reading only what is pruned.
 */
export const PRUNE_BATCHES_SQL = `DELETE FROM awc_feed_batches WHERE seq < LEAST(
  (SELECT max(seq) FROM awc_feed_batches),
  (SELECT seq FROM awc_feed_batches WHERE published_at >= now() - make_interval(secs => $1) ORDER BY seq LIMIT 1))`;
/** The leader's idle heartbeat: $1 the channel, $2 the message. */
export const NOTIFY_SQL = 'SELECT pg_notify($1, $2)';
