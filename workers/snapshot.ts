/**
 * The packed snapshot of every active asset: plain typed arrays plus one UTF-8 byte buffer, so a million
 * assets cross between threads as a transfer (no structured-clone decoding) and are queried where they land.
 */
import type { AssetEntry } from './asset-entry';
import { ascending, sortedPermutation } from './radix-sort';
import { contactRuns, permuted, snapshotOrder } from './snapshot-order';

/**
 * Entry `i` is column `i` of every per-entry array; its fragment is `fragments[fragOffsets[i] .. fragOffsets[i+1])`.
 * Entries are stored in the snapshot order, so each contact's assets are one contiguous, newest-first run.
 * Every array owns its own ArrayBuffer, exactly sized, so all of them can be transferred.
 */
export interface PackedSnapshot {
  count: number;
  ids: Int32Array<ArrayBuffer>;
  contactIds: Int32Array<ArrayBuffer>;
  clientIds: Int32Array<ArrayBuffer>;
  createdAtUs: Float64Array<ArrayBuffer>;
  versions: Float64Array<ArrayBuffer>;
  /** count + 1 offsets into `fragments`. */
  fragOffsets: Uint32Array<ArrayBuffer>;
  /** Every fragment, UTF-8, back to back. */
  fragments: Uint8Array<ArrayBuffer>;
  /** Distinct contact ids (excluding 0) ascending. */
  contactKeys: Int32Array<ArrayBuffer>;
  /** Start entry index per contactKeys entry, plus a final end. */
  contactStarts: Int32Array<ArrayBuffer>;
  /** Entry indexes sorted by id. */
  byId: Int32Array<ArrayBuffer>;
  /** Date.now() when the snapshot was finished. */
  builtAt: number;
}

/**
 * Writes the fragment of the `row`-th row added (arrival order) at `target[at..]`, exactly as many bytes as
 * that row was added with; returns the position after it.
 */
export type FragmentWriter = (row: number, target: Uint8Array, at: number) => number;

type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

function grown<T extends Column>(column: T, capacity: number): T {
  const next = new (column.constructor as new (length: number) => T)(capacity);
  next.set(column);
  return next;
}

const isInt32 = (value: number): boolean => (value | 0) === value;

/**
 * Accumulates rows, in any order, into growable typed columns (capacity doubles) and packs them in `finish()`
 * in the snapshot order (contact_id ASC with NULL → 0 first, created_at DESC, id DESC) every lookup relies on.
 * Only each fragment's length is taken while rows arrive: finish() writes every fragment once, in snapshot
 * order, straight into the exact-size buffer (the FragmentWriter reads it from wherever the caller kept the
 * row), rather than writing fragments as they arrive and rearranging 130 MB of them per million assets.
 */
export class SnapshotBuilder {
  private count = 0;
  private capacity = 1024;
  private ids = new Int32Array(this.capacity);
  private contactIds = new Int32Array(this.capacity);
  private clientIds = new Int32Array(this.capacity);
  private createdAtUs = new Float64Array(this.capacity);
  private versions = new Float64Array(this.capacity);
  private fragLengths = new Uint32Array(this.capacity);
  private fragBytes = 0;
  /** Fragments of rows given to add(), by arrival index. */
  private readonly strings: string[] = [];
  private readonly encoder = new TextEncoder();
  private readonly writeFragment: FragmentWriter;

  /** `writeFragment` writes the fragments of rows given to addRow(); rows given to add() need none. */
  constructor(writeFragment?: FragmentWriter) {
    this.writeFragment = writeFragment ?? ((row, target, at) => at + this.encoder.encodeInto(this.strings[row]!, target.subarray(at)).written);
  }

  /** Appends one row whose fragment is a string. */
  add(row: AssetEntry): void {
    this.strings[this.count] = row.fragment;
    this.addRow(row.id, row.contactId, row.clientId, row.createdAtUs, row.version, Buffer.byteLength(row.fragment));
  }

  /** Appends one row whose fragment, `fragmentBytes` long, the constructor's FragmentWriter writes in finish(). */
  addRow(id: number, contactId: number, clientId: number, createdAtUs: number, version: number, fragmentBytes: number): void {
    // Int32Array would silently wrap a larger id, and the timestamp sort key is exact only for safe integers.
    if (!isInt32(id) || !isInt32(clientId) || !isInt32(contactId) || contactId < 0 || !Number.isSafeInteger(createdAtUs)) {
      throw new RangeError(`snapshot row ${id}: ids must be 32-bit integers, contactId >= 0, createdAtUs a safe integer`);
    }
    const n = this.count;
    if (n === this.capacity) this.growRows();
    this.ids[n] = id;
    this.contactIds[n] = contactId;
    this.clientIds[n] = clientId;
    this.createdAtUs[n] = createdAtUs;
    this.versions[n] = version;
    this.fragLengths[n] = fragmentBytes;
    this.fragBytes += fragmentBytes;
    if (this.fragBytes > 0xffffffff) throw new RangeError('snapshot fragments exceed 4 GiB (fragOffsets are 32-bit)');
    this.count = n + 1;
  }

  /** Packs the rows in snapshot order into exactly sized, separately owned arrays, with the id permutation. */
  finish(): PackedSnapshot {
    const n = this.count;
    const order = snapshotOrder(n, this.ids, this.contactIds, this.createdAtUs);
    const int32s = (column: Int32Array<ArrayBuffer>) => (order ? permuted(column, order) : column.slice(0, n));
    const float64s = (column: Float64Array<ArrayBuffer>) => (order ? permuted(column, order) : column.slice(0, n));
    const ids = int32s(this.ids);
    const contactIds = int32s(this.contactIds);
    const clientIds = int32s(this.clientIds);
    const createdAtUs = float64s(this.createdAtUs);
    const versions = float64s(this.versions);
    const { fragments, fragOffsets } = this.writeFragments(order);
    const byId = sortedPermutation(n, [(i) => ascending(ids[i]!)]);
    for (let k = 1; k < n; k++) {
      if (ids[byId[k]!] === ids[byId[k - 1]!]) throw new RangeError(`snapshot has asset ${ids[byId[k]!]} twice`);
    }
    const { contactKeys, contactStarts } = contactRuns(contactIds);
    return { count: n, ids, contactIds, clientIds, createdAtUs, versions, fragOffsets, fragments, contactKeys, contactStarts, byId, builtAt: Date.now() };
  }

  /** Every fragment written once, in snapshot order: sequential writes into a buffer sized from the lengths. */
  private writeFragments(order: Int32Array | null) {
    const n = this.count;
    const fragOffsets = new Uint32Array(n + 1);
    for (let k = 0; k < n; k++) fragOffsets[k + 1] = fragOffsets[k]! + this.fragLengths[order ? order[k]! : k]!;
    const fragments = new Uint8Array(this.fragBytes);
    for (let k = 0; k < n; k++) {
      const row = order ? order[k]! : k;
      if (this.writeFragment(row, fragments, fragOffsets[k]!) !== fragOffsets[k + 1]) {
        throw new RangeError(`snapshot row ${this.ids[row]}: its fragment is not the length it was added with`);
      }
    }
    return { fragments, fragOffsets };
  }

  private growRows(): void {
    this.capacity *= 2;
    this.ids = grown(this.ids, this.capacity);
    this.contactIds = grown(this.contactIds, this.capacity);
    this.clientIds = grown(this.clientIds, this.capacity);
    this.createdAtUs = grown(this.createdAtUs, this.capacity);
    this.versions = grown(this.versions, this.capacity);
    this.fragLengths = grown(this.fragLengths, this.capacity);
  }
}

/** Every buffer behind the snapshot, for `postMessage(snapshot, list)` or `Piscina.move`. */
export function snapshotTransferList(s: PackedSnapshot): ArrayBuffer[] {
  return [
    s.ids, s.contactIds, s.clientIds, s.createdAtUs, s.versions, s.fragOffsets, s.fragments,
    s.contactKeys, s.contactStarts, s.byId,
  ].map((array) => array.buffer);
}

/** A snapshot with no assets: the cache's state before the first full load. */
export function emptySnapshot(): PackedSnapshot {
  return new SnapshotBuilder().finish();
}
