import type { AssetIndex, IndexChange } from './asset-index';
import type { ChangeKind } from './change-message';
import type { Directory } from './directory';
import type { FeedRow } from './feed-rows';

const KIND: Record<'a' | 't' | 'c', ChangeKind> = { a: 'asset', t: 'ticket', c: 'contact' };

/**
 * Applies one WAL relay batch's rows (feed-rows.ts) as they are: nothing is re-read but the rows the relay
 * marked so, which go to `reread`. Asset versions still order everything (an older row never overwrites a
 * newer one, whatever a snapshot build holds); tickets and contacts arrive in commit order. Returns the
 * number of rows that changed the cache.
 */
export function applyFeedRows(rows: FeedRow[], index: AssetIndex, directory: Directory, reread: (kind: ChangeKind, id: number, version?: number) => void): number {
  let applied = 0;
  for (const row of rows) {
    let change: IndexChange | undefined;
    switch (row[0]) {
      case 'a':
        change = { kind: 'upsert', entry: { id: row[1], version: row[2], contactId: row[3], clientId: row[4], createdAtUs: row[5], fragment: row[6] } };
        break;
      case 'ax':
        change = { kind: 'remove', id: row[1], version: row[2] };
        break;
      case 'ad':
        change = { kind: 'remove', id: row[1], version: Infinity };
        break;
      case 't':
      case 'td':
        directory.setTicket(row[1], row[0] === 't' ? row[2] : undefined);
        applied++;
        break;
      case 'c':
      case 'cd':
        directory.setContact(row[1], row[0] === 'c' ? row[2] : undefined);
        applied++;
        break;
      case 'r':
        reread(KIND[row[1]], row[2], row[3]);
        break;
    }
    if (change && index.apply(change)) applied++;
  }
  return applied;
}
