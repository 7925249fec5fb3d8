import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FeedRow } from './feed-rows';

const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);
/**
 * Level 1: a batch's JSON shrinks ~3.7 times, level 6 gains ~10 % more for three times the leader's CPU.
 * Off the event loop (libuv's pool): a backlog batch of a thousand rows is ~200 kB. Synchronous calls cost
 * less CPU (a 97 kB batch: 0.36 against 0.72 ms to deflate, 0.15 against 0.51 to inflate; async zlib hops to
 * the pool per 16 kB), but tried, they cost the writers more: `bench:feed --split-cores --interleave
 * --seconds 2 --rounds 30` gave 91.2-91.5 % three times against 92.7-93.0 % with this (docs/measurements.md).
 */
const LEVEL = 1;

/** A batch's rows as the leader stores them (awc_feed_batches.packed, migration 010): raw deflate of their JSON. */
export function packRows(rows: FeedRow[]): Promise<Buffer> {
  return deflateRaw(JSON.stringify(rows), { level: LEVEL });
}

/** A stored batch's JSON: `packed` inflated, or `rows` as a leader before migration 010 wrote it. */
export async function batchJson(batch: { rows: string | null; packed: Buffer | null }): Promise<string> {
  if (batch.packed !== null) return (await inflateRaw(batch.packed)).toString('utf8');
  if (batch.rows !== null) return batch.rows;
  throw new Error('feed batch without a body');
}
