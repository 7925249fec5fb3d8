/**
 * Putting a snapshot's rows into the snapshot order (contact ASC, created_at DESC, id DESC) after they were
 * read in whatever order PostgreSQL sent them: sorting a million rows in the database costs it more than
 * sending them (measured at 1M assets: the sorted COPY took 2–4× the unsorted one), while sorting here is O(n)
 * for the usual shapes: dense contact and asset ids, a handful of assets per contact.
 */
import { ascending, descending, descendingUnsigned, highWord, lowWord, RadixScratch, sortedPermutation } from './radix-sort';

type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** Contact ids up to this many times the row count are bucketed directly (one count per id, 4 B each). */
const DENSE_CONTACTS_PER_ROW = 4;
/** Runs up to this long are insertion-sorted; longer ones go through TypedArray#sort. */
const INSERTION_RUN = 16;
/** Runs longer than this (the unassigned assets, say) are radix-sorted: a comparison sort grows n log n. */
const COMPARED_RUN = 4096;

/**
 * The permutation into snapshot order, or null when the rows already are in it (no copy needed). Contacts
 * are bucketed by a counting sort, each contact's few assets then ordered newest first: a contact holds a
 * handful of assets, so this is two passes over the rows where the 4-key radix sort made up to twelve.
 * Contact ids far above the row count take the 4-key radix sort over all rows.
 */
export function snapshotOrder(
  n: number,
  ids: Int32Array,
  contactIds: Int32Array,
  createdAtUs: Float64Array,
): Int32Array<ArrayBuffer> | null {
  let sorted = true;
  let maxContact = 0;
  for (let i = 0; i < n; i++) {
    const contactId = contactIds[i]!;
    if (contactId > maxContact) maxContact = contactId;
    if (i === 0 || !sorted) continue;
    const contact = contactId - contactIds[i - 1]!;
    const newer = createdAtUs[i - 1]! - createdAtUs[i]!;
    sorted = contact > 0 || (contact === 0 && (newer > 0 || (newer === 0 && ids[i]! < ids[i - 1]!)));
  }
  if (sorted) return null;
  return maxContact <= DENSE_CONTACTS_PER_ROW * n + 1024
    ? bucketedOrder(n, ids, contactIds, createdAtUs, maxContact)
    : radixOrder(n, ids, contactIds, createdAtUs);
}

function radixOrder(n: number, ids: Int32Array, contactIds: Int32Array, createdAtUs: Float64Array): Int32Array<ArrayBuffer> {
  // Least significant key first: each stable pass keeps the order the earlier passes established within its ties.
  return sortedPermutation(n, [
    (i) => descending(ids[i]!),
    (i) => descendingUnsigned(lowWord(createdAtUs[i]!)),
    (i) => descending(highWord(createdAtUs[i]!)),
    (i) => ascending(contactIds[i]!),
  ]);
}

/** Counting sort on the contact (ids 0..maxContact), then each contact's run newest first. */
function bucketedOrder(
  n: number,
  ids: Int32Array,
  contactIds: Int32Array,
  createdAtUs: Float64Array,
  maxContact: number,
): Int32Array<ArrayBuffer> {
  // ends[c] becomes the end of contact c's run (and so the start of c + 1's) once every row is placed.
  const ends = new Int32Array(maxContact + 1);
  for (let i = 0; i < n; i++) ends[contactIds[i]!]!++;
  let position = 0;
  for (let c = 0; c <= maxContact; c++) {
    const count = ends[c]!;
    ends[c] = position;
    position += count;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[ends[contactIds[i]!]!++] = i;
  // Newer first, then the higher id: ids are unique, so this is a total order within a run.
  const before = (a: number, b: number) => createdAtUs[b]! - createdAtUs[a]! || ids[b]! - ids[a]!;
  let start = 0;
  for (let c = 0; c <= maxContact; c++) {
    const end = ends[c]!;
    if (end - start > COMPARED_RUN) radixSortRun(order, start, end, ids, createdAtUs);
    else if (end - start > INSERTION_RUN) order.subarray(start, end).sort(before);
    else {
      for (let k = start + 1; k < end; k++) {
        const row = order[k]!;
        let j = k - 1;
        for (; j >= start && before(order[j]!, row) > 0; j--) order[j + 1] = order[j]!;
        order[j + 1] = row;
      }
    }
    start = end;
  }
  return order;
}

/** Rows order[start .. end) newest first, then the higher id, by the radix sort. */
function radixSortRun(order: Int32Array, start: number, end: number, ids: Int32Array, createdAtUs: Float64Array): void {
  const run = order.slice(start, end);
  const sorted = sortedPermutation(run.length, [
    (j) => descending(ids[run[j]!]!),
    (j) => descendingUnsigned(lowWord(createdAtUs[run[j]!]!)),
    (j) => descending(highWord(createdAtUs[run[j]!]!)),
  ]);
  for (let j = 0; j < sorted.length; j++) order[start + j] = run[sorted[j]!]!;
}

/** Ids up to this many times the row count are placed by a direct lookup (one slot per id, 4 B each). */
const DENSE_IDS_PER_ROW = 4;

/**
 * Entry indexes ordered by id (a snapshot's byId), written into `spare` when it has the length; throws on an
 * id held twice. Dense ids (the usual serial) are placed through one slot per id, two passes; others are
 * radix-sorted.
 */
export function idOrder(ids: Int32Array, spare: Int32Array<ArrayBuffer> | null): Int32Array<ArrayBuffer> {
  const n = ids.length;
  let minId = 0;
  let maxId = 0;
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    if (id < minId) minId = id;
    if (id > maxId) maxId = id;
  }
  const twice = (id: number) => new RangeError(`snapshot has asset ${id} twice`);
  if (minId < 0 || maxId > DENSE_IDS_PER_ROW * n + 1024) {
    const scratch = RadixScratch.of(n);
    scratch.spare = spare;
    const byId = sortedPermutation(n, [(k) => ascending(ids[k]!)], undefined, scratch);
    for (let k = 1; k < n; k++) if (ids[byId[k]!] === ids[byId[k - 1]!]) throw twice(ids[byId[k]!]!);
    return byId;
  }
  // slots[id] = 1 + the entry holding id, 0 for none.
  const slots = new Int32Array(maxId + 1);
  for (let k = 0; k < n; k++) {
    const id = ids[k]!;
    if (slots[id] !== 0) throw twice(id);
    slots[id] = k + 1;
  }
  const byId = spare !== null && spare.length === n ? spare : new Int32Array(n);
  let next = 0;
  for (let id = 0; id <= maxId; id++) if (slots[id] !== 0) byId[next++] = slots[id]! - 1;
  return byId;
}

/** `column`'s first order.length entries, rearranged: entry k is column[order[k]]. Exactly sized. */
export function permuted<T extends Column>(column: T, order: Int32Array): T {
  const out = new (column.constructor as new (length: number) => T)(order.length);
  for (let k = 0; k < order.length; k++) out[k] = column[order[k]!]!;
  return out;
}

/** Distinct non-zero contact ids of the ordered rows, with each run's first entry and a final end. */
export function contactRuns(contactIds: Int32Array): { contactKeys: Int32Array<ArrayBuffer>; contactStarts: Int32Array<ArrayBuffer> } {
  const n = contactIds.length;
  let runs = 0;
  for (let i = 0; i < n; i++) if (contactIds[i] !== 0 && (i === 0 || contactIds[i - 1] !== contactIds[i])) runs++;
  const contactKeys = new Int32Array(runs);
  const contactStarts = new Int32Array(runs + 1);
  let run = 0;
  for (let i = 0; i < n; i++) {
    if (contactIds[i] === 0 || (i > 0 && contactIds[i - 1] === contactIds[i])) continue;
    contactKeys[run] = contactIds[i]!;
    contactStarts[run++] = i;
  }
  contactStarts[runs] = n;
  return { contactKeys, contactStarts };
}
