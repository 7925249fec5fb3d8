import type pg from 'pg';
import { Backoff } from '../src/backoff';
import { CHANGE_CHANNEL } from './change-feed';
import type { FeedRow } from './feed-rows';
import { packRows } from './packed-rows';
import { PUBLISH_BATCH_SQL } from './sql/batches';
import { nextBatch, type CommittedChanges } from './wal-transaction';

/**
 * Under load, batches start at most this often: each costs the database an INSERT and a NOTIFY on the
 * leader's session, a read by each other instance and a notification per LISTEN, so writers' CPU is spared
 * by fewer, larger batches (issue 15). `bench:feed --split-cores`, the feed's sessions on the database per
 * write: 19 µs at 25 ms, 14.5 at 50 ms (with the pruning through the key), 9.6 once the leader stopped
 * reading its own batches back; 100 ms gave 8.7-9.3, as larger batches cost more each, for twice the wait,
 * so 50 ms. Under load means the last batch held at least COALESCE_ABOVE transactions; below that (a few
 * writes a second, a sequence of API writes) a batch goes out at once, as does a backlog.
 */
export const PUBLISH_INTERVAL_MS = 50;
const COALESCE_ABOVE = 16;
/** A batch whose transactions are not visible yet is tried again after 2 ms, doubling up to 100 ms. */
const VISIBILITY_POLL_MIN_MS = 2;
const VISIBILITY_POLL_MAX_MS = 100;

/** Whole transactions from the head of the relay's queue, as one numbered batch carries them. */
export interface Batch {
  transactions: number;
  rows: FeedRow[];
  /** The last commit's end LSN, confirmed once the batch is published; undefined when it holds only the relay's own rows. */
  lsn: string | undefined;
  xids: number[];
}

/** When the WAL relay's next batch starts, and how long a batch that is not visible yet waits to be tried again. */
export class BatchCadence {
  private lastStartMs = 0;
  private lastTransactions = 0;
  private readonly polls = new Backoff(VISIBILITY_POLL_MIN_MS, VISIBILITY_POLL_MAX_MS);

  /** Milliseconds to wait before the next batch of `queue`; 0: take it now. */
  waitMs(queue: CommittedChanges[]): number {
    const wait = this.lastStartMs + PUBLISH_INTERVAL_MS - Date.now();
    // A backlog (more than one batch queued) goes out without waiting.
    return wait > 0 && this.lastTransactions >= COALESCE_ABOVE && nextBatch(queue).length === queue.length ? wait : 0;
  }

  take(queue: CommittedChanges[]): Batch {
    this.lastStartMs = Date.now();
    const committed = nextBatch(queue);
    return {
      transactions: committed.length,
      rows: committed.flatMap((c) => c.rows),
      lsn: committed.findLast((c) => c.lsn !== null)?.lsn ?? undefined,
      xids: committed.flatMap((c) => (c.xid === null ? [] : [c.xid])),
    };
  }

  /** A transaction in the batch was not visible: the wait before trying again, which is not a new batch. */
  notVisible(): number {
    this.lastStartMs = 0;
    return this.polls.next();
  }

  published(batch: Batch): void {
    this.polls.reset();
    this.lastTransactions = batch.transactions;
  }
}

/**
 * Inserts batch `seq` and NOTIFYs its number (PUBLISH_BATCH_SQL). False when a transaction in it is not
 * visible to other sessions yet: a follower's next build could miss it, so it is not published.
 */
export async function insertBatch(lock: pg.Client, seq: number, batch: Batch): Promise<boolean> {
  const values = [seq, batch.lsn ?? null, await packRows(batch.rows), CHANGE_CHANNEL, batch.xids];
  const published = await lock.query({ name: 'awc-publish-batch', text: PUBLISH_BATCH_SQL, values });
  return published.rowCount !== 0;
}
