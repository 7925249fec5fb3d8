import type pg from 'pg';
import type { AssetIndex, IndexChange } from './asset-index';
import type { Directory } from './directory';
import type { ChangeBatch } from './pending-changes';
import { REREAD_ASSETS_SQL, REREAD_CONTACTS_SQL, REREAD_TICKETS_SQL } from './sql/reread';

const CHUNK = 1_000;

type ReReadRow = [number, number, number, string, string, string, string];

/** Thrown inside a re-read whose batch was discarded meanwhile: its rows must not be applied. */
const DISCARDED = new Error('batch discarded by a resync');
/**
 * A re-read found an older version than the one notified. The WAL relay can publish a transaction whose
 * commit record is flushed but which other sessions cannot see yet (it becomes visible a moment later), so
 * the change is not applied: it goes back and is retried, like a failed re-read.
 */
const NOT_YET_VISIBLE = new Error('changed row not visible yet at the notified version');

const firstOf = <T>(items: Iterable<T>, count: number): T[] => {
  const out: T[] = [];
  for (const item of items) {
    if (out.length === count) break;
    out.push(item);
  }
  return out;
};

/**
 * Re-reads a batch of changed rows by id (in chunks) and applies them to the index and the directory,
 * counting into `tally` (the ChangeApplier's counters). Throws when the batch was discarded meanwhile
 * (`current()` false: nothing more is applied) or an asset is not visible yet at its notified version; what
 * it had not applied yet is still in the batch.
 */
export class ChangeRereader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly index: AssetIndex,
    private readonly directory: Directory,
    private readonly tally: { applied: number; reread: number },
  ) {}

  async read(batch: ChangeBatch, current: () => boolean): Promise<void> {
    await this.readAssets(batch, current);
    await this.readRows('ticket', batch.tickets, current);
    await this.readRows('contact', batch.contacts, current);
  }

  private async readAssets(batch: ChangeBatch, current: () => boolean): Promise<void> {
    const notYetVisible = new Map<number, number>();
    while (batch.assets.size > 0) {
      const chunk = firstOf(batch.assets.keys(), CHUNK);
      const { rows } = await this.pool.query<ReReadRow>({ text: REREAD_ASSETS_SQL, values: [chunk], rowMode: 'array' });
      if (!current()) throw DISCARDED;
      this.tally.reread += chunk.length;
      const seen = new Set<number>();
      for (const [id, contactId, clientId, createdUs, version, fragment, status] of rows) {
        seen.add(id);
        const notified = batch.assets.get(id)!;
        if (Number(version) < notified && notified !== Infinity) notYetVisible.set(id, notified);
        const change: IndexChange =
          status === 'active'
            ? { kind: 'upsert', entry: { id, contactId, clientId, createdAtUs: Number(createdUs), version: Number(version), fragment } }
            : { kind: 'remove', id, version: Number(version) };
        if (this.index.apply(change)) this.tally.applied++;
      }
      for (const id of chunk) {
        if (!seen.has(id) && this.index.apply({ kind: 'remove', id, version: Infinity })) this.tally.applied++;
        batch.assets.delete(id);
      }
    }
    if (notYetVisible.size === 0) return;
    for (const [id, version] of notYetVisible) batch.assets.set(id, version);
    throw NOT_YET_VISIBLE;
  }

  private async readRows(kind: 'ticket' | 'contact', ids: Set<number>, current: () => boolean): Promise<void> {
    while (ids.size > 0) {
      const chunk = firstOf(ids, CHUNK);
      const readSince = this.directory.writeMark;
      if (kind === 'ticket') {
        const { rows } = await this.pool.query<{ id: number; contact_id: number | null }>(REREAD_TICKETS_SQL, [chunk]);
        if (!current()) throw DISCARDED;
        const found = new Map(rows.map((r) => [r.id, r.contact_id]));
        for (const id of chunk) this.directory.setTicket(id, found.has(id) ? found.get(id)! : undefined, readSince);
      } else {
        const { rows } = await this.pool.query<{ id: number; name: string }>(REREAD_CONTACTS_SQL, [chunk]);
        if (!current()) throw DISCARDED;
        const found = new Map(rows.map((r) => [r.id, r.name]));
        for (const id of chunk) this.directory.setContact(id, found.get(id), readSince);
      }
      for (const id of chunk) ids.delete(id);
      this.tally.applied += chunk.length;
      this.tally.reread += chunk.length;
    }
  }
}
