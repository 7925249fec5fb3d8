/**
 * The cache worker's live view of every active asset: an immutable PackedSnapshot (the base) with single-row
 * changes layered on top (the overlay) until the next full refresh replaces the base.
 */
import type { AssetEntry } from './asset-entry';
import { ContactOverlay, type ListItem } from './contact-overlay';
import type { WidgetAsset } from '../src/cache/protocol';
import { assetsTag, type AssetsPart } from '../src/cache/widget-body';
import type { PackedSnapshot } from './snapshot';
import { contactSlot, entryAt, entryIndexOfId, fragmentAt } from './snapshot-reader';

/**
 * A single-row change. `remove` covers retired, deleted or otherwise no longer active; its version is the row
 * version that made the asset leave, Infinity for a permanent delete (nothing may bring the id back).
 */
export type IndexChange = { kind: 'upsert'; entry: AssetEntry } | { kind: 'remove'; id: number; version: number };

/** The newest version known for an id changed since the base; `entry` undefined is a tombstone. */
interface OverlayRecord {
  version: number;
  entry: AssetEntry | undefined;
  /** The epoch the change was applied in; see beginEpoch. */
  epoch: number;
}

// Shared and frozen: contacts without assets are common, and answering them should not allocate.
const NO_ASSETS: AssetsPart = Object.freeze({ total: 0, assetsJson: '[]', tag: assetsTag(0, []) });

/**
 * A contact with no list in the ContactOverlay is exactly its contiguous base run, so the hot widget path
 * reads the typed arrays directly; the first change touching a contact gives it a list.
 */
export class AssetIndex {
  private base: PackedSnapshot;
  private overrides = new Map<number, OverlayRecord>();
  private lists: ContactOverlay;
  private visible: number;
  private visibleContacts: number;
  private epoch = 0;
  /** Told the contacts whose assets a change touched (the live widgets' notices). */
  onContactChanged: ((contactId: number) => void) | undefined;

  constructor(snapshot: PackedSnapshot) {
    this.base = snapshot;
    this.lists = new ContactOverlay(snapshot);
    this.visible = snapshot.count;
    this.visibleContacts = snapshot.contactKeys.length;
  }

  /**
   * Total and newest `limit` assets of a contact, with the versions shown as the tag (widget-body.ts);
   * unassigned (0) and unknown contacts have none.
   */
  widget(contactId: number, limit = 2): AssetsPart {
    if (contactId === 0) return NO_ASSETS;
    const slot = contactSlot(this.base, contactId);
    const list = this.lists.get(contactId, slot);
    const versions: number[] = [];
    let json = '[';
    if (list !== undefined) {
      for (let k = 0; k < limit && k < list.length; k++) {
        json += (k === 0 ? '' : ',') + this.lists.fragmentOf(list[k]!);
        versions.push(this.lists.versionOf(list[k]!));
      }
      return { total: list.length, assetsJson: json + ']', tag: assetsTag(list.length, versions) };
    }
    if (slot < 0) return NO_ASSETS;
    const start = this.base.contactStarts[slot]!;
    const end = this.base.contactStarts[slot + 1]!;
    for (let i = start; i < end && i - start < limit; i++) {
      json += (i === start ? '' : ',') + fragmentAt(this.base, i);
      versions.push(this.base.versions[i]!);
    }
    return { total: end - start, assetsJson: json + ']', tag: assetsTag(end - start, versions) };
  }

  /** Every active asset of a contact, newest first; none for unassigned (0). */
  byContact(contactId: number): AssetEntry[] {
    if (contactId === 0) return [];
    const slot = contactSlot(this.base, contactId);
    const list = this.lists.get(contactId, slot);
    if (list !== undefined) return list.map((item) => this.lists.entryOf(item));
    if (slot < 0) return [];
    const entries: AssetEntry[] = [];
    for (let i = this.base.contactStarts[slot]!; i < this.base.contactStarts[slot + 1]!; i++) entries.push(entryAt(this.base, i));
    return entries;
  }

  /** The active asset `id`, or undefined when it is unknown or no longer active. */
  byId(id: number): AssetEntry | undefined {
    const record = this.overrides.get(id);
    if (record !== undefined) return record.entry;
    const index = entryIndexOfId(this.base, id);
    return index < 0 ? undefined : entryAt(this.base, index);
  }

  /**
   * The newest version known for `id` (a removal counts), or -1 when the id is unknown. A notification for a
   * version not newer than this needs no re-read: the writer's own instance has already applied its write.
   */
  versionOf(id: number): number {
    const record = this.overrides.get(id);
    if (record !== undefined) return record.version;
    const index = entryIndexOfId(this.base, id);
    return index < 0 ? -1 : this.base.versions[index]!;
  }

  /**
   * Applies one change unless its version is not newer than the one known for the id (overlay first, then
   * base): changes can arrive late or twice, and an older one must never overwrite a newer one.
   */
  apply(change: IndexChange): boolean {
    const id = change.kind === 'upsert' ? change.entry.id : change.id;
    const version = change.kind === 'upsert' ? change.entry.version : change.version;
    const record = this.overrides.get(id);
    let previous: ListItem | undefined;
    if (record !== undefined) {
      if (version <= record.version) return false;
      previous = record.entry;
    } else {
      const index = entryIndexOfId(this.base, id);
      if (index >= 0) {
        if (version <= this.base.versions[index]!) return false;
        previous = index;
      }
    }
    // A copy, so the caller mutating its object later cannot reorder a sorted list behind the index's back.
    const next = change.kind === 'upsert' ? { ...change.entry } : undefined;
    if (previous !== undefined) this.onContactChanged?.(this.lists.contactOf(previous));
    if (next !== undefined) this.onContactChanged?.(next.contactId);
    if (previous !== undefined) this.leave(previous);
    if (next !== undefined) this.enter(next);
    this.overrides.set(id, { version, entry: next, epoch: this.epoch });
    return true;
  }

  /**
   * Marks the start of a snapshot build and returns its epoch. Every change applied before it was committed
   * before the build's transaction began, so the new snapshot already holds it (or something newer).
   */
  beginEpoch(): number {
    return ++this.epoch;
  }

  /**
   * Replaces the base with a newer full snapshot. An overlay record survives only when the snapshot does not
   * hold its id or holds an older version of it: the snapshot may have been read before that change committed.
   * Records applied before `buildEpoch` (from beginEpoch) are dropped outright, since the snapshot saw them:
   * otherwise an upsert whose removal was never delivered would outlive every refresh. Permanent-delete
   * tombstones stay, so a late, older upsert can never bring a deleted id back.
   * Synchronous, so no lookup can observe a half-rebased index.
   */
  rebase(next: PackedSnapshot, buildEpoch = 0): void {
    const pending: Array<[IndexChange, number]> = [];
    for (const [id, record] of this.overrides) {
      if (record.epoch < buildEpoch && record.version !== Infinity) continue;
      const change: IndexChange =
        record.entry !== undefined ? { kind: 'upsert', entry: record.entry } : { kind: 'remove', id, version: record.version };
      pending.push([change, record.epoch]);
    }
    this.base = next;
    this.overrides = new Map();
    this.lists = new ContactOverlay(next);
    this.visible = next.count;
    this.visibleContacts = next.contactKeys.length;
    // apply's version check is the filter: it refuses exactly the records `next` already holds an equal or newer version of.
    const current = this.epoch;
    for (const [change, epoch] of pending) {
      this.epoch = epoch;
      this.apply(change);
    }
    this.epoch = current;
  }

  /** Active assets currently visible, assigned and unassigned. */
  get size(): number {
    return this.visible;
  }

  /** Contacts with at least one active asset. */
  get contacts(): number {
    return this.visibleContacts;
  }

  /** Ids whose state differs from the base (changed, added or tombstoned). */
  get overlaySize(): number {
    return this.overrides.size;
  }

  private leave(previous: ListItem): void {
    this.visible--;
    const contactId = this.lists.contactOf(previous);
    if (contactId !== 0 && this.lists.remove(contactId, previous)) this.visibleContacts--;
  }

  private enter(entry: AssetEntry): void {
    this.visible++;
    if (entry.contactId !== 0 && this.lists.insert(entry.contactId, entry)) this.visibleContacts++;
  }
}

/** The widget JSON object of one asset, keys in the order the widget expects; for changes coming from the API. */
export function encodeAssetFragment(a: WidgetAsset): string {
  return JSON.stringify({
    id: a.id,
    hostname: a.hostname,
    warranty_expiration_date: a.warranty_expiration_date,
    status: a.status,
    screenconnect_session_id: a.screenconnect_session_id,
    pdq_device_id: a.pdq_device_id,
  });
}
