import { describe, expect, it } from 'vitest';
import type { AssetEntry } from '../../workers/asset-entry';
import { AssetIndex, encodeAssetFragment } from '../../workers/asset-index';
import { SnapshotBuilder, type PackedSnapshot } from '../../workers/snapshot';
import { prng } from '../../load-tests/lib/prng';
import { assetsTag } from '../../src/cache/widget-body';

const T0 = 1_700_000_000_000_000;

function asset(id: number, contactId: number, createdAtUs: number, version: number, extra: { clientId?: number; hostname?: string } = {}): AssetEntry {
  const hostname = extra.hostname ?? `HOST-${id}`;
  const fragment = encodeAssetFragment({
    id, hostname, warranty_expiration_date: null, status: 'active', screenconnect_session_id: null, pdq_device_id: `v${version}`,
  });
  return { id, contactId, clientId: extra.clientId ?? 1, createdAtUs, version, fragment };
}

function snapshotOf(entries: Iterable<AssetEntry>): PackedSnapshot {
  const builder = new SnapshotBuilder();
  const sorted = Array.from(entries).sort((a, b) => a.contactId - b.contactId || b.createdAtUs - a.createdAtUs || b.id - a.id);
  for (const e of sorted) builder.add({ ...e });
  return builder.finish();
}

const json = (...entries: AssetEntry[]) => `[${entries.map((e) => e.fragment).join(',')}]`;
const ids = (entries: AssetEntry[]) => entries.map((e) => e.id);

// Contact 10 has four assets, 11 has one; assets 50 and 51 are unassigned.
const a1 = asset(1, 10, T0 + 100, 1);
const a2 = asset(2, 10, T0 + 300, 2);
const a3 = asset(3, 10, T0 + 200, 3);
const a4 = asset(4, 10, T0 + 200, 4); // ties with 3 on created_at, higher id: shown before 3
const a5 = asset(5, 11, T0 + 50, 5, { clientId: 2 });
const u50 = asset(50, 0, T0 + 999, 6);
const u51 = asset(51, 0, T0 + 1, 7, { clientId: 2 });
const fixture = () => new AssetIndex(snapshotOf([a1, a2, a3, a4, a5, u50, u51]));

describe('AssetIndex lookups', () => {
  it('widget shows the newest two and the total; unassigned and unknown contacts show nothing', () => {
    const index = fixture();
    expect(index.widget(10)).toEqual({ total: 4, assetsJson: json(a2, a4), tag: '4.2-4' });
    expect(index.widget(10, 3)).toEqual({ total: 4, assetsJson: json(a2, a4, a3), tag: '4.2-4-3' });
    expect(index.widget(11)).toEqual({ total: 1, assetsJson: json(a5), tag: '1.5' });
    expect(index.widget(0)).toEqual({ total: 0, assetsJson: '[]', tag: '0.' });
    expect(index.widget(99)).toEqual({ total: 0, assetsJson: '[]', tag: '0.' });
    expect(JSON.parse(index.widget(10).assetsJson)).toHaveLength(2);
  });

  it('keeps unassigned assets out of contacts but findable by id', () => {
    const index = fixture();
    expect(index.byContact(0)).toEqual([]);
    expect(index.byId(50)).toEqual(u50);
    expect(index.size).toBe(7);
    expect(index.contacts).toBe(2);
  });

  it('byContact lists every asset newest first; byId misses unknown ids', () => {
    const index = fixture();
    expect(index.byContact(10)).toEqual([a2, a4, a3, a1]);
    expect(index.byId(404)).toBeUndefined();
  });

  it('encodeAssetFragment writes exactly the widget keys, in order', () => {
    const fragment = encodeAssetFragment({
      pdq_device_id: 'P', screenconnect_session_id: null, status: 'active', warranty_expiration_date: '2027-01-31', hostname: 'H', id: 9,
    });
    expect(fragment).toBe('{"id":9,"hostname":"H","warranty_expiration_date":"2027-01-31","status":"active","screenconnect_session_id":null,"pdq_device_id":"P"}');
  });
});

describe('AssetIndex.apply', () => {
  it('upserts into a contact the snapshot never saw', () => {
    const index = fixture();
    const created = asset(60, 12, T0 + 5, 100);
    expect(index.apply({ kind: 'upsert', entry: created })).toBe(true);
    expect(index.widget(12)).toMatchObject({ total: 1, assetsJson: json(created), tag: `1.${created.version}` });
    expect(index.byId(60)).toEqual(created);
    expect([index.size, index.contacts, index.overlaySize]).toEqual([8, 3, 1]);
  });

  it('moves an asset between contacts, updating both lists and the counters', () => {
    const index = fixture();
    expect(index.apply({ kind: 'upsert', entry: { ...a5, contactId: 10, version: 100 } })).toBe(true);
    expect(index.widget(11)).toMatchObject({ total: 0, assetsJson: '[]' });
    expect(ids(index.byContact(10))).toEqual([2, 4, 3, 1, 5]);
    expect([index.size, index.contacts]).toEqual([7, 1]);
    expect(index.apply({ kind: 'upsert', entry: { ...a2, contactId: 11, version: 101 } })).toBe(true);
    expect(index.widget(10)).toMatchObject({ total: 4, assetsJson: json(a4, a3) });
    expect(ids(index.byContact(11))).toEqual([2]);
    expect([index.size, index.contacts]).toEqual([7, 2]);
  });

  it('retiring the top asset lets the third one into the widget', () => {
    const index = fixture();
    expect(index.apply({ kind: 'remove', id: 2, version: 100 })).toBe(true);
    expect(index.widget(10)).toMatchObject({ total: 3, assetsJson: json(a4, a3) });
    expect(index.byId(2)).toBeUndefined();
    expect(index.size).toBe(6);
  });

  it('an updated hostname replaces the cached fragment in place', () => {
    const index = fixture();
    const renamed = asset(4, 10, a4.createdAtUs, 100, { hostname: 'RENAMED' });
    expect(index.apply({ kind: 'upsert', entry: renamed })).toBe(true);
    expect(index.widget(10)).toMatchObject({ total: 4, assetsJson: json(a2, renamed) });
    expect(JSON.parse(index.widget(10).assetsJson)[1].hostname).toBe('RENAMED');
    expect(index.byId(4)).toEqual(renamed);
  });

  it('ignores changes not newer than the base or the overlay', () => {
    const index = fixture();
    expect(index.apply({ kind: 'upsert', entry: { ...a4, fragment: '{}', version: 4 } })).toBe(false);
    expect(index.apply({ kind: 'remove', id: 4, version: 3 })).toBe(false);
    expect(index.apply({ kind: 'upsert', entry: { ...a4, version: 200 } })).toBe(true);
    expect(index.apply({ kind: 'upsert', entry: { ...a4, contactId: 11, version: 150 } })).toBe(false);
    expect(index.byId(4)?.version).toBe(200);
    expect(ids(index.byContact(11))).toEqual([5]);
    expect(index.overlaySize).toBe(1);
  });

  it('remembers a tombstone so a late, older upsert cannot resurrect the asset', () => {
    const index = fixture();
    expect(index.apply({ kind: 'remove', id: 3, version: 100 })).toBe(true);
    expect(index.apply({ kind: 'upsert', entry: { ...a3, version: 99 } })).toBe(false);
    expect(index.byId(3)).toBeUndefined();
    expect(index.widget(10).total).toBe(3);
    expect(index.apply({ kind: 'upsert', entry: { ...a3, version: 101 } })).toBe(true); // reactivated later: accepted
    expect(index.widget(10).total).toBe(4);
  });

  it('a permanent delete (Infinity) blocks every later version', () => {
    const index = fixture();
    expect(index.apply({ kind: 'remove', id: 51, version: Infinity })).toBe(true);
    expect(index.apply({ kind: 'upsert', entry: { ...u51, version: Number.MAX_SAFE_INTEGER } })).toBe(false);
    expect(index.byId(51)).toBeUndefined();
    expect([index.size, index.contacts]).toEqual([6, 2]);
  });

  it('a removal of the last asset of a contact drops the contact, and an unknown id still leaves a tombstone', () => {
    const index = fixture();
    expect(index.apply({ kind: 'remove', id: 5, version: 100 })).toBe(true);
    expect(index.apply({ kind: 'remove', id: 777, version: 101 })).toBe(true);
    expect(index.apply({ kind: 'upsert', entry: asset(777, 11, T0, 50) })).toBe(false);
    expect([index.size, index.contacts, index.overlaySize]).toEqual([6, 1, 2]);
  });
});

describe('AssetIndex.rebase', () => {
  it('keeps overlay records newer than the new snapshot and drops the ones it already saw', () => {
    const index = fixture();
    index.apply({ kind: 'upsert', entry: { ...a1, contactId: 11, version: 100 } }); // newer than the next snapshot
    index.apply({ kind: 'upsert', entry: asset(2, 10, a2.createdAtUs, 101, { hostname: 'STALE' }) }); // next saw v120
    index.apply({ kind: 'remove', id: 3, version: 102 }); // next still has v3: the removal is newer
    index.apply({ kind: 'upsert', entry: asset(60, 12, T0, 103) }); // created after next was read
    index.apply({ kind: 'remove', id: 5, version: 104 }); // next no longer has 5: tombstone kept

    const a2Refreshed = asset(2, 10, a2.createdAtUs, 120, { hostname: 'FRESH' });
    const a4Refreshed = asset(4, 10, a4.createdAtUs, 121); // changed behind the overlay's back
    index.rebase(snapshotOf([a1, a2Refreshed, a3, a4Refreshed, u50, u51]));

    expect(index.byId(1)?.contactId).toBe(11);
    expect(index.byId(2)).toEqual(a2Refreshed);
    expect(index.byId(3)).toBeUndefined();
    expect(index.byId(4)).toEqual(a4Refreshed);
    expect(index.byId(60)?.version).toBe(103);
    expect(index.byId(5)).toBeUndefined();
    expect(index.widget(10)).toMatchObject({ total: 2, assetsJson: json(a2Refreshed, a4Refreshed) });
    expect(ids(index.byContact(11))).toEqual([1]);
    expect(index.apply({ kind: 'upsert', entry: { ...a5, version: 103 } })).toBe(false);
    expect([index.size, index.contacts, index.overlaySize]).toEqual([6, 3, 4]);
  });
});


describe('AssetIndex against a brute-force model', () => {
  it.each([1, 2, 3])('agrees after a long random sequence of changes with rebases midway (seed %i)', (seed) => {
    const random = prng(seed);
    const model = new Map<number, AssetEntry>(); // active assets
    const known = new Map<number, number>(); // newest version per id, removals included
    let nextVersion = 1;
    let nextId = 1;
    const randomAsset = (id: number): AssetEntry =>
      asset(id, random(4) === 0 ? 0 : 1 + random(25), T0 + random(40), nextVersion++, { clientId: 1 + random(4), hostname: `H${random(1e6)}` });
    for (let i = 0; i < 200; i++) {
      const a = randomAsset(nextId++);
      model.set(a.id, a);
      known.set(a.id, a.version);
    }
    const index = new AssetIndex(snapshotOf(model.values()));
    let olderSnapshot = snapshotOf(model.values());

    const check = () => {
      const active = Array.from(model.values());
      const newest = (a: AssetEntry, b: AssetEntry) => b.createdAtUs - a.createdAtUs || b.id - a.id;
      expect(index.size).toBe(active.length);
      expect(index.contacts).toBe(new Set(active.filter((a) => a.contactId !== 0).map((a) => a.contactId)).size);
      for (let contact = 0; contact <= 26; contact++) {
        const expected = contact === 0 ? [] : active.filter((a) => a.contactId === contact).sort(newest);
        expect(index.byContact(contact)).toEqual(expected);
        const shown = expected.slice(0, 2);
        expect(index.widget(contact)).toEqual({ total: expected.length, assetsJson: json(...shown), tag: assetsTag(expected.length, shown.map((a) => a.version)) });
      }
      for (let id = 1; id < nextId; id++) expect(index.byId(id)).toEqual(model.get(id));
    };

    for (let step = 1; step <= 3000; step++) {
      const roll = random(100);
      const id = roll < 15 ? nextId++ : 1 + random(nextId - 1);
      if (roll >= 90 && known.has(id)) {
        // A late duplicate or older change: must be refused and change nothing.
        const stale = known.get(id)! - 1 - random(3);
        const change = random(2) === 0 ? { kind: 'remove' as const, id, version: stale } : { kind: 'upsert' as const, entry: { ...randomAsset(id), version: stale } };
        expect(index.apply(change)).toBe(false);
      } else if (roll >= 70) {
        const version = random(50) === 0 ? Infinity : nextVersion++;
        expect(index.apply({ kind: 'remove', id, version })).toBe(known.get(id) !== Infinity);
        if (known.get(id) !== Infinity) {
          model.delete(id);
          known.set(id, version);
        }
      } else {
        const entry = randomAsset(id);
        expect(index.apply({ kind: 'upsert', entry })).toBe(known.get(id) !== Infinity);
        if (known.get(id) !== Infinity) {
          model.set(id, entry);
          known.set(id, entry.version);
        }
      }
      if (step % 500 === 0) olderSnapshot = snapshotOf(model.values());
      // A refresh read a while ago (the overlay must carry what came after) and one read just now.
      if (step === 1200 || step === 2200) index.rebase(olderSnapshot);
      if (step === 1700) {
        index.rebase(snapshotOf(model.values()));
        expect(index.overlaySize).toBe(Array.from(known.keys()).filter((k) => !model.has(k)).length);
      }
      if (step % 250 === 0) check();
    }
    check();
  });
});

describe('AssetIndex.rebase with a build epoch', () => {
  it('drops changes the new snapshot already saw, so a lost removal cannot outlive a refresh', () => {
    const index = fixture();
    const ghost = asset(60, 11, T0 + 5_000, 20);
    index.apply({ kind: 'upsert', entry: ghost });
    // Its retirement never reaches the index; the next full snapshot (read after it) does not hold it.
    const epoch = index.beginEpoch();
    const lateWrite = asset(61, 11, T0 + 6_000, 21);
    index.apply({ kind: 'upsert', entry: lateWrite });
    index.rebase(snapshotOf([a1, a2, a3, a4, a5, u50, u51]), epoch);
    expect(index.byId(60)).toBeUndefined();
    expect(index.byId(61)).toEqual(lateWrite);
    expect(index.widget(11)).toMatchObject({ total: 2, assetsJson: json(lateWrite, a5) });
  });

  it('keeps permanent-delete tombstones across refreshes so a late, older upsert cannot resurrect the id', () => {
    const index = fixture();
    index.apply({ kind: 'remove', id: 5, version: Infinity });
    const epoch = index.beginEpoch();
    index.rebase(snapshotOf([a1, a2, a3, a4, u50, u51]), epoch);
    expect(index.apply({ kind: 'upsert', entry: asset(5, 11, T0 + 50, 99) })).toBe(false);
    expect(index.widget(11).total).toBe(0);
  });
});
