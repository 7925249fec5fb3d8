import type { Pgoutput } from 'pg-logical-replication';

/** One decoded transaction's changes as change-channel payloads (see change-message.ts). */
export interface CommittedChanges {
  payloads: string[];
  /** The commit's end LSN, confirmed once the payloads are published; null for the relay's own messages. */
  lsn: string | null;
  /** When it committed (ms since the epoch): the relay's lag is counted from the oldest not yet published. */
  commitTimeMs: number;
}

const KIND_OF_TABLE: Record<string, 'a' | 't' | 'c'> = { assets: 'a', tickets: 't', contacts: 'c' };
const OP_OF_TAG = { insert: 'i', update: 'u', delete: 'd' } as const;

/**
 * Collects one transaction's row changes from pgoutput, one payload per row (the newest version of an asset
 * updated many times), in the triggers' format, so every instance handles them as it handles a trigger's.
 * Rows carry their id and, for assets, their version; deletes carry the key only (replica identity default).
 */
export class WalTransaction {
  private readonly changes = new Map<string, { t: string; op: string; id: number; v?: number }>();
  /** TRUNCATE names no rows: every instance must resync. */
  private truncated = false;

  note(message: Pgoutput.Message): void {
    if (message.tag === 'truncate') {
      this.truncated = true;
      return;
    }
    if (message.tag !== 'insert' && message.tag !== 'update' && message.tag !== 'delete') return;
    const t = KIND_OF_TABLE[message.relation.name];
    if (t === undefined || message.relation.schema !== 'public') return;
    const row = (message.tag === 'delete' ? (message.old ?? message.key) : message.new) as Record<string, unknown> | null;
    const id = Number(row?.id);
    const op = OP_OF_TAG[message.tag];
    const version = t === 'a' && op !== 'd' ? Number(row?.version) : undefined;
    const key = `${t}${id}`;
    const before = this.changes.get(key);
    this.changes.set(key, { t, op, id, ...(version === undefined ? {} : { v: Math.max(version, before?.v ?? 0) }) });
  }

  commit(lsn: string, commitTimeMs: number): CommittedChanges | undefined {
    const payloads = this.truncated ? [JSON.stringify({ t: 'rs' })] : [...this.changes.values()].map((c) => JSON.stringify(c));
    return payloads.length === 0 ? undefined : { payloads, lsn, commitTimeMs };
  }
}
