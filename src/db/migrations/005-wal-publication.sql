-- The WAL feed (issue 15): what the cache reads, published for logical decoding. A publication can be created
-- whatever wal_level is; it costs nothing until a slot decodes it. Replica identity stays the default (the
-- primary key): a delete's id is all the cache needs, since it removes an asset by id and re-reads the rest,
-- and FULL would make every update and delete log the whole old row, which writers would pay for.
-- The notify triggers of 002 stay: they are the fallback feed. The WAL relay disables them when it leads and
-- no notify-mode instance listens; a notify-mode instance enables them at its start (workers/feed-mode.ts).
CREATE PUBLICATION awc_cache FOR TABLE assets, tickets, contacts;
