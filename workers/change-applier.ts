import type pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import type { AssetChange, AssetIndex } from './asset-index';
import { ASSET_COLUMNS } from './build-snapshot.task';
import type { ChangeKind } from './change-feed';
import type { Directory } from './directory';

const CHUNK = 1_000;

type AssetRow = [number, number, number, string, string, string, string];

/**
 * Applies change notifications: ids pile up in sets (so a burst of updates to one row costs one read),
 * then the rows are re-read by id in batches and applied. One flush runs at a time, so re-reads of the same
 * ticket or contact (which carry no version) are applied in the order they were read. Assets carry their
 * row version, so an older read can never overwrite a newer one whatever the order.
 */
export class ChangeApplier {
  /** Asset id → the newest version notified (Infinity: unknown, as for a delete; always re-read). */
  private readonly pendingAssets = new Map<number, number>();
  private readonly pending: Record<Exclude<ChangeKind, 'asset'>, Set<number>> = { ticket: new Set(), contact: new Set() };
  private running: Promise<void> | undefined;
  private scheduled = false;
  applied = 0;
  lastAppliedAt: number | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly index: AssetIndex,
    private readonly directory: Directory,
    private readonly logger: Logger,
  ) {}

  /**
   * Notes a changed row. An asset notified with a version the index already holds needs no re-read: on the
   * instance that made the write, the write was applied before its response went out.
   */
  add(kind: ChangeKind, id: number, version = Infinity): void {
    if (kind !== 'asset') this.pending[kind].add(id);
    else if (this.index.versionOf(id) >= version) return;
    else this.pendingAssets.set(id, Math.max(this.pendingAssets.get(id) ?? -1, version));
    this.schedule();
  }

  /** Ids noted in the same event-loop turn go out in one read; a running drain picks up later ones itself. */
  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.hasPending()) this.schedule();
      });
    });
  }

  private hasPending(): boolean {
    return this.pendingAssets.size + this.pending.ticket.size + this.pending.contact.size > 0;
  }

  private take(kind: Exclude<ChangeKind, 'asset'>): number[] {
    const ids = [...this.pending[kind]];
    this.pending[kind].clear();
    return ids;
  }

  /** Pending asset ids whose notified version the index does not hold yet (the write may have come in meanwhile). */
  private takeAssets(): number[] {
    const ids: number[] = [];
    for (const [id, version] of this.pendingAssets) if (this.index.versionOf(id) < version) ids.push(id);
    this.pendingAssets.clear();
    return ids;
  }

  private async drain(): Promise<void> {
    try {
      while (this.hasPending()) {
        await this.readAssets(this.takeAssets());
        await this.readTickets(this.take('ticket'));
        await this.readContacts(this.take('contact'));
        this.lastAppliedAt = Date.now();
      }
    } catch (err) {
      // The ids taken are lost here; the feed will report the connection trouble and a resync covers them.
      this.logger.warn({ err: safeError(err), event: 'feed.apply_failed' }, 'could not re-read changed rows');
    }
  }

  private async readAssets(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const { rows } = await this.pool.query<AssetRow>({
        text: `SELECT ${ASSET_COLUMNS}, a.status FROM assets a WHERE a.id = ANY($1::int[])`,
        values: [chunk],
        rowMode: 'array',
      });
      const seen = new Set<number>();
      for (const [id, contactId, clientId, createdUs, version, fragment, status] of rows) {
        seen.add(id);
        const change: AssetChange =
          status === 'active'
            ? { kind: 'upsert', entry: { id, contactId, clientId, createdAtUs: Number(createdUs), version: Number(version), fragment } }
            : { kind: 'remove', id, version: Number(version) };
        if (this.index.apply(change)) this.applied++;
      }
      for (const id of chunk) {
        if (!seen.has(id) && this.index.apply({ kind: 'remove', id, version: Infinity })) this.applied++;
      }
    }
  }

  private async readTickets(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const { rows } = await this.pool.query<{ id: number; contact_id: number | null }>(
        'SELECT id, contact_id FROM tickets WHERE id = ANY($1::int[])',
        [chunk],
      );
      const found = new Map(rows.map((r) => [r.id, r.contact_id]));
      for (const id of chunk) this.directory.setTicket(id, found.has(id) ? found.get(id)! : undefined);
      this.applied += chunk.length;
    }
  }

  private async readContacts(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const { rows } = await this.pool.query<{ id: number; name: string }>(
        'SELECT id, to_json(name)::text AS name FROM contacts WHERE id = ANY($1::int[])',
        [chunk],
      );
      const found = new Map(rows.map((r) => [r.id, r.name]));
      for (const id of chunk) this.directory.setContact(id, found.get(id));
      this.applied += chunk.length;
    }
  }
}
