import zlib from 'node:zlib';
import type { FeedRow } from './feed-rows';

/** Level 1: a batch's JSON shrinks ~3.7 times, level 6 gains ~10 % more for three times the leader's CPU. */
const LEVEL = 1;

/*
 * Synchronous, on purpose. Node's asynchronous zlib hands each 16 kB of output to libuv's pool, a thread hop
 * each: in a worker thread, a 97 kB batch cost 0.72 ms of CPU to deflate and 0.51 ms to inflate that way,
 * 0.36 and 0.15 ms in one synchronous call; in `bench:feed` on shared cores the leader's CPU per write fell
 * 29.1 → 27.7 µs and the follower's 12.1 → 11.5. A batch holds the cache's event loop that long (a backlog
 * batch of 1,000 rows, ~300 kB, ~1 ms), less than applying its rows takes anyway.
 */

/** A batch's rows as the leader stores them (awc_feed_batches.packed, migration 010): raw deflate of their JSON. */
export function packRows(rows: FeedRow[]): Buffer {
  return zlib.deflateRawSync(JSON.stringify(rows), { level: LEVEL });
}

/** A stored batch's JSON: `packed` inflated, or `rows` as a leader before migration 010 wrote it. */
export function batchJson(batch: { rows: string | null; packed: Buffer | null }): string {
  if (batch.packed !== null) return zlib.inflateRawSync(batch.packed).toString('utf8');
  if (batch.rows !== null) return batch.rows;
  throw new Error('feed batch without a body');
}
