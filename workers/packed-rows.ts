import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FeedRow } from './feed-rows';

const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);
/**
 * Level 1: a batch's JSON shrinks ~3.7 times, level 6 gains ~10 % more for three times the leader's CPU.
 * Off the event loop (libuv's pool): a backlog batch of a thousand rows is ~200 kB.
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
