-- The WAL relay's published batches (issue 15): the leader writes each batch of decoded rows here under the
-- next sequence number and NOTIFYs that number in the same statement; every instance reads the batches after
-- the last one it applied. A missed notification or a LISTEN reconnect is then a read of what follows, not a
-- resync. Numbers are assigned by the leader, gapless and continuing across leaders (max + 1 under the
-- advisory lock; the key refuses a second writer). Not in the publication: the relay's own writes are never
-- decoded. The leader prunes batches older than a few minutes (workers/wal-relay.ts).
CREATE TABLE awc_feed_batches (
  seq          BIGINT PRIMARY KEY,
  lsn          PG_LSN,
  published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  rows         TEXT NOT NULL
);
