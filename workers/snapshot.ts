/**
 * The packed snapshot of every active asset: plain typed arrays plus one UTF-8 byte buffer, so a million
 * assets cross between threads as a transfer (no structured-clone decoding) and are queried where they land.
 */
import type { AssetEntry } from './asset-entry';
import { contactRuns, idOrder, permuted, snapshotOrder } from './snapshot-order';

/**
 * Entry `i` is column `i` of every per-entry array; its fragment is bytes `fragStarts[i] .. fragEnds[i]` of
 * `fragmentChunks` laid end to end (fragmentAt in snapshot-reader.ts), always within one chunk.
 * Entries are stored in the snapshot order, so each contact's assets are one contiguous, newest-first run.
 * The fragments stay where they were written as the rows arrived, and only their offsets follow the entries:
 * writing 130 MB of fresh memory per million assets, to join the chunks or to rearrange them into snapshot
 * order, cost more than writing the fragments (on the 2-core VM measured, ~1.5 s per 160 MB of fresh pages,
 * 30 ms for the same bytes written again).
 * Every array owns its own ArrayBuffer, so all of them can be transferred.
 */
export interface PackedSnapshot {
  count: number;
  ids: Int32Array<ArrayBuffer>;
  contactIds: Int32Array<ArrayBuffer>;
  clientIds: Int32Array<ArrayBuffer>;
  createdAtUs: Float64Array<ArrayBuffer>;
  versions: Float64Array<ArrayBuffer>;
  /** Where each entry's fragment starts, as a position in the chunks laid end to end. */
  fragStarts: Uint32Array<ArrayBuffer>;
  /** Where each entry's fragment ends (exclusive), likewise. */
  fragEnds: Uint32Array<ArrayBuffer>;
  /** Every fragment, UTF-8, in chunks of a few MB (none empty); no fragment spans two chunks. */
  fragmentChunks: Uint8Array<ArrayBuffer>[];
  /** Position of each chunk's first byte, ascending. */
  fragmentChunkStarts: Float64Array<ArrayBuffer>;
  /** Distinct contact ids (excluding 0) ascending. */
  contactKeys: Int32Array<ArrayBuffer>;
  /** Start entry index per contactKeys entry, plus a final end. */
  contactStarts: Int32Array<ArrayBuffer>;
  /** Entry indexes sorted by id. */
  byId: Int32Array<ArrayBuffer>;
  /** Date.now() when the snapshot was finished. */
  builtAt: number;
}

type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

function grown<T extends Column>(column: T, capacity: number): T {
  const next = new (column.constructor as new (length: number) => T)(capacity);
  next.set(column);
  return next;
}

const isInt32 = (value: number): boolean => (value | 0) === value;

const FRAGMENT_CHUNK_BYTES = 4 * 1024 * 1024;
const MIN_CAPACITY = 1024;
/** A wild estimate (stale statistics) must not reserve absurd address space: past this, columns grow. */
const MAX_PRESIZE = 1 << 27;

/**
 * Accumulates rows, in any order, into typed columns and packs them in `finish()` in the snapshot order
 * (contact_id ASC with NULL → 0 first, created_at DESC, id DESC) every lookup relies on.
 * The columns start at `expectedRows` (the table's row estimate) and double only when it was too low: growing
 * by doubling from small wrote every column about twice over into fresh memory (~60 MB at 1M assets), and
 * capacity never written costs nothing but address space (the pages are not touched).
 */
export class SnapshotBuilder {
  private count = 0;
  private capacity: number;
  private ids: Int32Array<ArrayBuffer>;
  private contactIds: Int32Array<ArrayBuffer>;
  private clientIds: Int32Array<ArrayBuffer>;
  private createdAtUs: Float64Array<ArrayBuffer>;
  private versions: Float64Array<ArrayBuffer>;
  private fragOffsets: Uint32Array<ArrayBuffer>;
  /**
   * Fragments go into fixed-size chunks rather than one doubling buffer: at a million assets the doubling
   * copies alone would write more fresh memory than the fragments themselves, and first-touching fresh pages
   * is the largest single cost of the build. The chunks become the snapshot's fragments as they are.
   * `fragOffsets` (count + 1) are positions in the chunks laid end to end, in arrival order.
   * Full chunks, each trimmed to the bytes it holds.
   */
  private sealedChunks: Uint8Array<ArrayBuffer>[] = [];
  private chunk = new Uint8Array(0);
  private chunkUsed = 0;
  private fragBytes = 0;
  private readonly encoder = new TextEncoder();

  constructor(expectedRows = 0) {
    this.capacity = Math.min(Math.max(MIN_CAPACITY, Math.ceil(expectedRows)), MAX_PRESIZE);
    this.ids = new Int32Array(this.capacity);
    this.contactIds = new Int32Array(this.capacity);
    this.clientIds = new Int32Array(this.capacity);
    this.createdAtUs = new Float64Array(this.capacity);
    this.versions = new Float64Array(this.capacity);
    this.fragOffsets = new Uint32Array(this.capacity + 1);
  }

  /** Appends one row. */
  add(row: AssetEntry): void {
    const room = this.fragmentRoom(row.fragment.length * 3);
    const end = this.fragmentStart + this.encoder.encodeInto(row.fragment, room.subarray(this.fragmentStart)).written;
    this.addEncoded(row.id, row.contactId, row.clientId, row.createdAtUs, row.version, end);
  }

  /**
   * The buffer the next fragment goes into, from `fragmentStart`, with at least `maxBytes` of room: a caller
   * that already has the bytes writes them there, then calls addEncoded with the position after them.
   */
  fragmentRoom(maxBytes: number): Uint8Array {
    if (this.chunkUsed + maxBytes > this.chunk.length) {
      this.sealedChunks.push(this.chunk.subarray(0, this.chunkUsed));
      this.chunk = new Uint8Array(Math.max(FRAGMENT_CHUNK_BYTES, maxBytes));
      this.chunkUsed = 0;
    }
    return this.chunk;
  }

  /** Where the next fragment starts in the buffer fragmentRoom returned. */
  get fragmentStart(): number {
    return this.chunkUsed;
  }

  /**
   * Appends one row whose fragment was written into fragmentRoom() from fragmentStart up to `fragmentEnd`.
   */
  addEncoded(id: number, contactId: number, clientId: number, createdAtUs: number, version: number, fragmentEnd: number): void {
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
    this.fragBytes += fragmentEnd - this.chunkUsed;
    this.chunkUsed = fragmentEnd;
    if (this.fragBytes > 0xffffffff) throw new RangeError('snapshot fragments exceed 4 GiB (fragOffsets are 32-bit)');
    this.fragOffsets[n + 1] = this.fragBytes;
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
    const fragStarts = new Uint32Array(n);
    const fragEnds = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k;
      fragStarts[k] = this.fragOffsets[i]!;
      fragEnds[k] = this.fragOffsets[i + 1]!;
    }
    // The last chunk is copied: it is mostly empty, and the snapshot's byte count should be what it holds.
    const fragmentChunks = [...this.sealedChunks, this.chunk.slice(0, this.chunkUsed)].filter((chunk) => chunk.length > 0);
    const fragmentChunkStarts = new Float64Array(fragmentChunks.length);
    for (let c = 1; c < fragmentChunks.length; c++) fragmentChunkStarts[c] = fragmentChunkStarts[c - 1]! + fragmentChunks[c - 1]!.length;
    // The order is spare once the columns are permuted: byId is written into it.
    const byId = idOrder(ids, order);
    const { contactKeys, contactStarts } = contactRuns(contactIds);
    return { count: n, ids, contactIds, clientIds, createdAtUs, versions, fragStarts, fragEnds, fragmentChunks, fragmentChunkStarts, contactKeys, contactStarts, byId, builtAt: Date.now() };
  }

  private growRows(): void {
    this.capacity *= 2;
    this.ids = grown(this.ids, this.capacity);
    this.contactIds = grown(this.contactIds, this.capacity);
    this.clientIds = grown(this.clientIds, this.capacity);
    this.createdAtUs = grown(this.createdAtUs, this.capacity);
    this.versions = grown(this.versions, this.capacity);
    this.fragOffsets = grown(this.fragOffsets, this.capacity + 1);
  }
}

/** Every buffer behind the snapshot, for `postMessage(snapshot, list)` or `Piscina.move`. */
export function snapshotTransferList(s: PackedSnapshot): ArrayBuffer[] {
  return [
    s.ids, s.contactIds, s.clientIds, s.createdAtUs, s.versions, s.fragStarts, s.fragEnds, ...s.fragmentChunks,
    s.fragmentChunkStarts, s.contactKeys, s.contactStarts, s.byId,
  ].map((array) => array.buffer);
}

/** A snapshot with no assets: the cache's state before the first full load. */
export function emptySnapshot(): PackedSnapshot {
  return new SnapshotBuilder().finish();
}
