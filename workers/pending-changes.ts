import type { ChangeKind } from './change-message';

type RowKind = Exclude<ChangeKind, 'asset'>;

/**
 * Changed ids taken for one re-read, with the time the oldest of them was noted. The applier removes what it
 * has applied as it goes; whatever is left when a re-read fails goes back to PendingChanges, merged with
 * whatever was noted meanwhile.
 */
export interface ChangeBatch {
  /** Asset id → the newest version notified (Infinity: unknown, as for a delete; always re-read). */
  assets: Map<number, number>;
  tickets: Set<number>;
  contacts: Set<number>;
  /** Date.now() when the oldest change in the batch was noted. */
  since: number;
}

/**
 * Ids notified but not yet applied, in sets (so a burst of updates to one row costs one read), and when the
 * oldest of them was noted: the cache's staleness, measured rather than assumed.
 */
export class PendingChanges {
  private assets = new Map<number, number>();
  private rows: Record<RowKind, Set<number>> = { ticket: new Set(), contact: new Set() };
  private oldest: number | null = null;

  note(kind: ChangeKind, id: number, version: number, now = Date.now()): void {
    if (kind === 'asset') this.assets.set(id, Math.max(this.assets.get(id) ?? -1, version));
    else this.rows[kind].add(id);
    this.oldest ??= now;
  }

  get size(): number {
    return this.assets.size + this.rows.ticket.size + this.rows.contact.size;
  }

  /** When the oldest pending change was noted (Date.now()), null when nothing is pending. */
  get since(): number | null {
    return this.oldest;
  }

  /**
   * Takes everything pending. Assets whose notified version the index already holds are left out (the write
   * may have been applied meanwhile, by the instance that made it).
   */
  take(versionOf: (id: number) => number): ChangeBatch {
    const assets = new Map<number, number>();
    for (const [id, version] of this.assets) if (versionOf(id) < version) assets.set(id, version);
    const batch: ChangeBatch = { assets, tickets: this.rows.ticket, contacts: this.rows.contact, since: this.oldest ?? Date.now() };
    this.clear();
    return batch;
  }

  /** Puts back what a failed re-read left, merged with what was noted since; keeps the older `since`. */
  restore(batch: ChangeBatch): void {
    for (const [id, version] of batch.assets) this.note('asset', id, version, batch.since);
    for (const id of batch.tickets) this.note('ticket', id, 0, batch.since);
    for (const id of batch.contacts) this.note('contact', id, 0, batch.since);
    if (batch.assets.size + batch.tickets.size + batch.contacts.size > 0) this.oldest = Math.min(this.oldest ?? batch.since, batch.since);
  }

  clear(): void {
    this.assets = new Map();
    this.rows = { ticket: new Set(), contact: new Set() };
    this.oldest = null;
  }
}

/** The number of changes left in a batch. */
export const batchSize = (batch: ChangeBatch): number => batch.assets.size + batch.tickets.size + batch.contacts.size;
