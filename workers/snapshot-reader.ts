/**
 * Read-side lookups on a PackedSnapshot, straight on its typed arrays: binary searches, and decoding only
 * the entries a caller asks for.
 */
import type { AssetEntry } from './asset-entry';
import type { PackedSnapshot } from './snapshot';
import { indexOfSorted } from './sorted-search';

// One decoder for every read: creating one per call would dominate the cost of decoding a 150-byte fragment.
const decoder = new TextDecoder();

/** Index into `contactKeys` of `contactId`, or -1 when the snapshot has no asset for that contact. */
export function contactSlot(s: PackedSnapshot, contactId: number): number {
  return indexOfSorted(s.contactKeys, contactId);
}

/** Entry index of asset `id`, or -1 when the snapshot does not hold it. */
export function entryIndexOfId(s: PackedSnapshot, id: number): number {
  const { byId, ids } = s;
  let low = 0;
  let high = byId.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const index = byId[mid]!;
    const key = ids[index]!;
    if (key === id) return index;
    if (key < id) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** The serialised widget object of entry `index`. */
export function fragmentAt(s: PackedSnapshot, index: number): string {
  const start = s.fragStarts[index]!;
  const starts = s.fragmentChunkStarts;
  // The last chunk starting at or before `start`: a handful of steps, there are a few hundred chunks at most.
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (starts[mid]! <= start) low = mid;
    else high = mid - 1;
  }
  const chunk = s.fragmentChunks[low];
  if (chunk === undefined) return '';
  const base = starts[low]!;
  return decoder.decode(chunk.subarray(start - base, s.fragEnds[index]! - base));
}

/** Entry `index` decoded into an object. */
export function entryAt(s: PackedSnapshot, index: number): AssetEntry {
  return {
    id: s.ids[index]!,
    contactId: s.contactIds[index]!,
    clientId: s.clientIds[index]!,
    createdAtUs: s.createdAtUs[index]!,
    version: s.versions[index]!,
    fragment: fragmentAt(s, index),
  };
}
