import type { Pgoutput } from 'pg-logical-replication';
import { assetRow, contactRow, ticketRow, type FeedRow, type RawRow } from './feed-rows';

/** One decoded transaction's changed rows, in the relay's batch format (feed-rows.ts). */
export interface CommittedChanges {
  rows: FeedRow[];
  /** The commit's end LSN, confirmed once the batch holding it is published; null for the relay's own rows. */
  lsn: string | null;
  /** The transaction's id (32 bits, as pgoutput sends it): published only once visible; null for the relay's own rows. */
  xid: number | null;
  /** When it committed (ms since the epoch): the relay's lag is counted from the oldest not yet published. */
  commitTimeMs: number;
}

/** Rows per batch: whole transactions up to a thousand rows (one larger transaction is one batch). */
const CHUNK = 1_000;

const ROW_OF_TABLE: Record<string, { upsert: (row: RawRow) => FeedRow; deleted: 'ad' | 'td' | 'cd' }> = {
  assets: { upsert: assetRow, deleted: 'ad' },
  tickets: { upsert: ticketRow, deleted: 'td' },
  contacts: { upsert: contactRow, deleted: 'cd' },
};

/**
 * Collects one transaction's row changes from pgoutput, the last version of each row only (an asset updated
 * many times in one transaction is sent once). Deletes carry the key only (replica identity default): the
 * cache removes by id, so it needs no more.
 */
export class WalTransaction {
  private readonly changes = new Map<string, FeedRow>();
  /** TRUNCATE names no rows: every instance must resync. */
  private truncated = false;

  constructor(private readonly xid: number) {}

  note(message: Pgoutput.Message): void {
    if (message.tag === 'truncate') {
      this.truncated = true;
      return;
    }
    if (message.tag !== 'insert' && message.tag !== 'update' && message.tag !== 'delete') return;
    const table = ROW_OF_TABLE[message.relation.name];
    if (table === undefined || message.relation.schema !== 'public') return;
    const row = (message.tag === 'delete' ? (message.old ?? message.key) : message.new) as RawRow;
    const id = Number(row.id);
    this.changes.set(`${message.relation.name}${id}`, message.tag === 'delete' ? [table.deleted, id] : table.upsert(row));
  }

  commit(lsn: string, commitTimeMs: number): CommittedChanges | undefined {
    const rows: FeedRow[] = this.truncated ? [['rs']] : [...this.changes.values()];
    return rows.length === 0 ? undefined : { rows, lsn, xid: this.xid, commitTimeMs };
  }
}

/** Whole transactions from the head of the queue, at most CHUNK rows unless the first alone is larger. */
export function nextBatch(queue: CommittedChanges[]): CommittedChanges[] {
  let changes = 0;
  let count = 0;
  for (const committed of queue) {
    if (count > 0 && changes + committed.rows.length > CHUNK) break;
    changes += committed.rows.length;
    count++;
  }
  return queue.slice(0, count);
}
