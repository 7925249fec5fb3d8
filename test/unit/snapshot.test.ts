import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { AssetIndex } from '../../workers/asset-index';
import type { AssetEntry } from '../../workers/asset-entry';
import { emptySnapshot, SnapshotBuilder, snapshotTransferList, type PackedSnapshot } from '../../workers/snapshot';
import { fragmentAt } from '../../workers/snapshot-reader';

const T0 = 1_700_000_000_000_000; // microseconds, past 2^32 so both halves of the timestamp sort key matter

function row(id: number, contactId: number, clientId: number, createdAtUs: number, version = id): AssetEntry {
  return { id, contactId, clientId, createdAtUs, version, fragment: JSON.stringify({ id, hostname: `HOST-${id}-é✓` }) };
}

/** The snapshot order, by comparator. */
const inSnapshotOrder = (rows: AssetEntry[]) => rows.slice().sort((a, b) => a.contactId - b.contactId || b.createdAtUs - a.createdAtUs || b.id - a.id);

/** Adds rows in the order given, as the database sends them (unordered), and packs them. */
function build(rows: AssetEntry[]): PackedSnapshot {
  const builder = new SnapshotBuilder();
  for (const r of rows) builder.add(r);
  return builder.finish();
}

const fragmentOf = fragmentAt;
const fragmentBytes = (s: PackedSnapshot) => s.fragmentChunks.reduce((sum, chunk) => sum + chunk.length, 0);

const arraysOf = (s: PackedSnapshot) => [
  s.ids, s.contactIds, s.clientIds, s.createdAtUs, s.versions, s.fragStarts, s.fragEnds, ...s.fragmentChunks, s.fragmentChunkStarts,
  s.contactKeys, s.contactStarts, s.byId,
];

const sample = (): AssetEntry[] => [
  row(1, 0, 7, T0 + 5),
  row(2, 10, 7, T0 + 1),
  row(3, 10, 7, T0 + 3),
  row(4, 10, 7, T0 + 3), // same created_at as 3: the higher id comes first
  row(5, 20, 8, T0 + 9),
  row(6, 0, 8, T0 + 100 - 2 ** 32), // a larger low word than 5's: only the high word of the sort key puts it last
  row(7, 20, 7, T0 + 2),
  row(9, 20, 7, T0 + 3), // ties with 3 and 4 from another contact, which the builder saw earlier: 9 still comes first
];

describe('SnapshotBuilder', () => {
  it('keeps contact runs newest first, ties broken by the higher id, unassigned apart', () => {
    const s = build(sample());
    expect(s.count).toBe(8);
    expect(Array.from(s.ids)).toEqual([1, 6, 4, 3, 2, 5, 9, 7]);
    expect(Array.from(s.contactKeys)).toEqual([10, 20]);
    expect(Array.from(s.contactStarts)).toEqual([2, 5, 8]);
    expect(fragmentOf(s, 2)).toBe(JSON.stringify({ id: 4, hostname: 'HOST-4-é✓' }));
  });

  it('orders byId by id', () => {
    const s = build(sample());
    expect(Array.from(s.byId, (i) => s.ids[i])).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
  });

  it('matches a comparator sort on wide-ranging random ids, contacts and timestamps', () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * below);
    };
    // Mostly small contact ids: one radix digit is shared by most keys but not all, which must not skip its pass.
    const contacts = Array.from({ length: 40 }, (_, k) => 1 + random(k < 35 ? 65_000 : 2 ** 31 - 2));
    // Before and after 1970 (some within one 32-bit word of it), with ties likely.
    const instants = [-5, 5, -(2 ** 32) - 5, 2 ** 32 + 5, ...Array.from({ length: 196 }, () => random(2 ** 52) - 2 ** 51)];
    const ids = new Set<number>();
    while (ids.size < 3000) ids.add(1 + random(2 ** 31 - 2));
    const rows = Array.from(ids, (id) => row(id, random(3) === 0 ? 0 : contacts[random(40)]!, 1, instants[random(instants.length)]!));
    const s = build(rows);
    expect(Array.from(s.ids)).toEqual(inSnapshotOrder(rows).map((r) => r.id));
    expect(Array.from(s.byId, (i) => s.ids[i])).toEqual(Array.from(ids).sort((a, b) => a - b));
  });

  it.each([
    ['contact runs of every length (insertion-sorted or TypedArray#sort), many ties', 40_000, 3_000],
    ['contacts holding tens of thousands of rows (radix-sorted runs)', 180_000, 1],
  ])('matches a comparator sort with contact ids near the row count: %s', (_, n, contactCount) => {
    let seed = 11;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * below);
    };
    // Skewed: a few contacts get long runs, most a handful of assets; instants repeat so ids break the ties.
    const rows = Array.from({ length: n }, (_, k) => {
      const contact = random(4) === 0 ? random(8) : random(contactCount);
      return row(n - k + random(2) * n, contact, 1, T0 - random(50) * 2 ** 31);
    });
    const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
    const s = build(unique);
    // The first position that differs (-1: none), so a failure does not diff 180k-entry arrays.
    const firstDifference = (actual: ArrayLike<number>, expected: number[]) => expected.findIndex((id, k) => actual[k] !== id);
    expect(firstDifference(s.ids, inSnapshotOrder(unique).map((r) => r.id))).toBe(-1);
    expect(firstDifference(Array.from(s.byId, (i) => s.ids[i]!), unique.map((r) => r.id).sort((a, b) => a - b))).toBe(-1);
  });

  it('packs rows given in any order exactly as rows given in snapshot order, fragments following their rows', () => {
    const s = build(sample().reverse());
    const expected = build(inSnapshotOrder(sample()));
    for (const name of ['ids', 'contactIds', 'clientIds', 'createdAtUs', 'versions', 'contactKeys', 'contactStarts', 'byId'] as const) {
      expect(Array.from(s[name]), name).toEqual(Array.from(expected[name]));
    }
    for (let i = 0; i < s.count; i++) expect(fragmentOf(s, i)).toBe(fragmentOf(expected, i));
    expect(fragmentOf(s, 2)).toBe(JSON.stringify({ id: 4, hostname: 'HOST-4-é✓' }));
  });

  it.each([
    ['dense ids', [1, 1]],
    ['ids far beyond the row count', [2 ** 31 - 2, 7, 2 ** 31 - 2]],
  ])('rejects the same row twice when finishing: %s', (_, ids) => {
    const builder = new SnapshotBuilder();
    for (const id of ids) builder.add(row(id, 10, 1, T0));
    expect(() => builder.finish()).toThrow(/twice/);
  });

  it('rejects the same id under two contacts when finishing', () => {
    const builder = new SnapshotBuilder();
    builder.add(row(1, 10, 1, T0));
    builder.add(row(1, 20, 1, T0));
    expect(() => builder.finish()).toThrow(/twice/);
  });

  it('rejects ids that do not fit 32 bits, negative contacts and inexact timestamps', () => {
    expect(() => new SnapshotBuilder().add(row(2 ** 31, 1, 1, T0))).toThrow(RangeError);
    expect(() => new SnapshotBuilder().add(row(1, -1, 1, T0))).toThrow(RangeError);
    expect(() => new SnapshotBuilder().add(row(1, 1, 1, 2 ** 53))).toThrow(RangeError);
    expect(() => new SnapshotBuilder().add(row(1, 1, 1, T0 + 0.5))).toThrow(RangeError);
  });

  it('grows past its initial capacity and trims every array to its exact length, each on its own buffer', () => {
    const rows: AssetEntry[] = [];
    for (let id = 1; id <= 5000; id++) rows.push(row(id, id % 700, id % 13, T0 - id * 1000));
    const s = build(rows);
    expect(s.count).toBe(5000);
    expect(fragmentOf(s, 4999)).toBe(rows.find((r) => r.id === s.ids[4999])!.fragment);
    expect(fragmentBytes(s)).toBe(rows.reduce((sum, r) => sum + Buffer.byteLength(r.fragment), 0));
    expect(s.contactStarts.length).toBe(s.contactKeys.length + 1);
    for (const array of [s.ids, s.contactIds, s.clientIds, s.createdAtUs, s.versions, s.fragStarts, s.fragEnds, s.byId]) expect(array.length).toBe(5000);
    const buffers = arraysOf(s).map((a) => a.buffer);
    expect(new Set(buffers).size).toBe(buffers.length);
    for (const a of arraysOf(s)) {
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.byteLength);
    }
  });

  it('packs the same snapshot whether its row estimate was too low, right or far too high', () => {
    const rows: AssetEntry[] = [];
    for (let id = 1; id <= 5000; id++) rows.push(row((id * 7919) % 5003, id % 700, id % 13, T0 - (id % 50) * 1000));
    const grown = build(rows);
    for (const estimate of [10, 5000, 2_000_000]) {
      const builder = new SnapshotBuilder(estimate);
      for (const r of rows) builder.add(r);
      const s = builder.finish();
      for (const name of ['ids', 'contactIds', 'clientIds', 'createdAtUs', 'versions', 'fragStarts', 'fragEnds', 'byId', 'contactKeys', 'contactStarts'] as const) {
        expect(Array.from(s[name]), `${name} at estimate ${estimate}`).toEqual(Array.from(grown[name]));
      }
      for (const a of arraysOf(s)) expect(a.buffer.byteLength).toBe(a.byteLength);
    }
  });

  it('round-trips fragments across chunk boundaries, one larger than a whole chunk included', () => {
    const rows: AssetEntry[] = [];
    for (let id = 1; id <= 400; id++) {
      const size = id === 200 ? 2_000_000 : 10_000 + id;
      rows.push({ ...row(id, 1 + (id % 9), 1, T0 - id), fragment: JSON.stringify({ id, note: 'ä€😀'.repeat(size / 4) }) });
    }
    const expected = new Map(rows.map((r) => [r.id, r.fragment]));
    // Unordered input gets its offsets permuted; input in snapshot order keeps them as they stand.
    for (const s of [build(rows), build(inSnapshotOrder(rows))]) {
      for (let i = 0; i < s.count; i++) expect(fragmentOf(s, i)).toBe(expected.get(s.ids[i]!));
      expect(fragmentBytes(s)).toBe(rows.reduce((sum, r) => sum + Buffer.byteLength(r.fragment), 0));
    }
  });

  it('emptySnapshot holds nothing and still answers lookups', () => {
    const s = emptySnapshot();
    expect(s.count).toBe(0);
    expect(Array.from(s.contactStarts)).toEqual([0]);
    expect([s.fragStarts.length, s.fragEnds.length, s.fragmentChunks.length]).toEqual([0, 0, 0]);
    const index = new AssetIndex(s);
    expect(index.widget(1)).toEqual({ total: 0, assetsJson: '[]', tag: '0.' });
    expect(index.size).toBe(0);
  });
});

describe('snapshotTransferList', () => {
  it('lists every buffer once, and the snapshot survives a transfer intact while the sender is detached', () => {
    const rows: AssetEntry[] = [];
    for (let id = 1; id <= 300; id++) rows.push(row(id, id % 40, id % 5, T0 + (id % 17)));
    const sent = build(rows);
    const expected = new AssetIndex(sent);
    const contacts = Array.from(sent.contactKeys);
    const widgets = contacts.map((c) => expected.widget(c));
    const list = snapshotTransferList(sent);
    expect(list).toHaveLength(11 + sent.fragmentChunks.length);

    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(sent, list);
      const received = receiveMessageOnPort(port2)?.message as PackedSnapshot;
      for (const a of arraysOf(sent)) expect(a.byteLength).toBe(0);
      const index = new AssetIndex(received);
      expect(contacts.map((c) => index.widget(c))).toEqual(widgets);
      expect(index.size).toBe(300);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
