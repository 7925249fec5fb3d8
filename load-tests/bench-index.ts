/**
 * Measures the packed asset cache at production size: builder time, memory per asset, widget lookup and
 * apply() cost. Run: npm run bench:index -- [N]   (N defaults to 1,000,000)
 * Prints one JSON line.
 */
import type { AssetEntry } from '../workers/asset-entry';
import { AssetIndex, encodeAssetFragment, type IndexChange } from '../workers/asset-index';
import { SnapshotBuilder, type PackedSnapshot } from '../workers/snapshot';
import { prng } from './lib/prng';

const N = Number(process.argv[2] ?? 1_000_000);
const CLIENTS = Math.max(1, Math.round(N / 200));
const LOOKUPS = 1_000_000;
const CHANGES = 100_000;
const NOW_US = Date.UTC(2025, 5, 1) * 1000;
const HOUR_US = 3600 * 1e6;

const random = prng(42);

/** A widget object shaped like production data (~150 bytes): most assets lack a remote-session id. */
function fragmentFor(id: number, seed: number): string {
  const month = String(1 + (seed % 12)).padStart(2, '0');
  return encodeAssetFragment({
    id,
    hostname: `WS-${String(seed).padStart(6, '0')}`,
    warranty_expiration_date: seed % 5 === 0 ? null : `20${26 + (seed % 4)}-${month}-28`,
    status: 'active',
    screenconnect_session_id: seed % 5 === 1 ? `${seed.toString(16).padStart(8, '0')}-8a7d-4e21-9b0c-5d6e7f8a9b0c` : null,
    pdq_device_id: String(seed % 100_000),
  });
}

function measuredMemory(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Ids are shuffled so that the id permutation has real sorting work to do, as with production data. */
function shuffledIds(): Int32Array {
  const ids = new Int32Array(N);
  for (let i = 0; i < N; i++) ids[i] = i + 1;
  for (let i = N - 1; i > 0; i--) {
    const j = random(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

/** Wall and CPU time (all threads, user and system) spent inside `run`, summed over calls. */
class Stopwatch {
  wallNs = 0n;
  userUs = 0;
  systemUs = 0;

  run<T>(work: () => T): T {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    try {
      return work();
    } finally {
      this.wallNs += process.hrtime.bigint() - start;
      const used = process.cpuUsage(cpu);
      this.userUs += used.user;
      this.systemUs += used.system;
    }
  }
}

/**
 * Streams N rows in snapshot order, as the cursor would: unassigned first (10 %), then contact runs of 1-8
 * assets newest first, which gives N / 5 contacts (200k at 1M).
 */
function buildSnapshot(): { snapshot: PackedSnapshot; watch: Stopwatch; fragmentBytes: number } {
  const ids = shuffledIds();
  const builder = new SnapshotBuilder();
  const watch = new Stopwatch();
  let fragmentBytes = 0;
  let next = 0;
  let contact = 0;
  const batch: AssetEntry[] = [];
  while (next < N) {
    // Rows are synthesised in cursor-sized batches so only the builder's own work is timed.
    batch.length = 0;
    while (batch.length < 1000 && next < N) {
      const runLength = contact === 0 ? Math.round(N / 10) : 1 + random(8);
      let createdAtUs = NOW_US - random(1000) * 1e6;
      for (let k = 0; k < runLength && next < N; k++) {
        const id = ids[next++]!;
        const fragment = fragmentFor(id, random(1e6));
        fragmentBytes += Buffer.byteLength(fragment);
        const clientId = contact === 0 ? 1 + random(CLIENTS) : 1 + (contact % CLIENTS);
        batch.push({ id, contactId: contact, clientId, createdAtUs, version: id, fragment });
        createdAtUs -= 1 + random(HOUR_US);
      }
      contact++;
    }
    watch.run(() => {
      for (const row of batch) builder.add(row);
    });
  }
  batch.length = 0;
  const snapshot = watch.run(() => builder.finish());
  return { snapshot, watch, fragmentBytes };
}

function timeWidgets(index: AssetIndex, contacts: Int32Array): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < contacts.length; k++) sink += index.widget(contacts[k]!).assetsJson.length;
  const ns = Number(process.hrtime.bigint() - start) / contacts.length;
  if (sink === 0) throw new Error('no widget returned anything');
  return ns;
}

/** A realistic mix: hostname edits, moves between contacts, retirements and new assets. */
function randomChanges(snapshot: PackedSnapshot, maxContact: number): IndexChange[] {
  const changes: IndexChange[] = [];
  let version = N + 1;
  let newId = N + 1;
  for (let k = 0; k < CHANGES; k++) {
    const roll = random(100);
    const i = random(snapshot.count);
    const id = roll < 10 ? newId++ : snapshot.ids[i]!;
    if (roll >= 85) {
      changes.push({ kind: 'remove', id, version: version++ });
      continue;
    }
    const contactId = roll < 30 ? 1 + random(maxContact) : snapshot.contactIds[i]!;
    const entry: AssetEntry = {
      id,
      contactId,
      clientId: snapshot.clientIds[i]!,
      createdAtUs: roll < 10 ? NOW_US + k : snapshot.createdAtUs[i]!,
      version: version++,
      fragment: fragmentFor(id, random(1e6)),
    };
    changes.push({ kind: 'upsert', entry });
  }
  return changes;
}

function main(): void {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
  const before = measuredMemory();
  const { snapshot, watch, fragmentBytes } = buildSnapshot();
  const index = new AssetIndex(snapshot);
  const bytesPerAsset = (measuredMemory() - before) / N;

  const maxContact = snapshot.contactKeys[snapshot.contactKeys.length - 1] ?? 1;
  const lookups = new Int32Array(LOOKUPS);
  for (let k = 0; k < LOOKUPS; k++) lookups[k] = 1 + random(maxContact);
  timeWidgets(index, lookups.subarray(0, 100_000)); // warm-up: let the JIT settle before the measured run
  const widgetNs = timeWidgets(index, lookups);

  const changes = randomChanges(snapshot, maxContact);
  let accepted = 0;
  const applyStart = process.hrtime.bigint();
  for (const change of changes) if (index.apply(change)) accepted++;
  const applyNs = Number(process.hrtime.bigint() - applyStart) / changes.length;
  changes.length = 0;
  const bytesPerAssetWithOverlay = (measuredMemory() - before - lookups.byteLength) / N;
  const widgetWithOverlayNs = timeWidgets(index, lookups);

  const rebaseStart = process.hrtime.bigint();
  index.rebase(snapshot);
  const rebaseMs = Number(process.hrtime.bigint() - rebaseStart) / 1e6;

  console.log(JSON.stringify({
    n: N,
    contacts: snapshot.contactKeys.length,
    avg_fragment_bytes: Math.round(fragmentBytes / N),
    build_ms: Math.round(Number(watch.wallNs) / 1e6),
    build_cpu_user_ms: Math.round(watch.userUs / 1000),
    build_cpu_system_ms: Math.round(watch.systemUs / 1000),
    bytes_per_asset: Math.round(bytesPerAsset),
    widget_ns: Math.round(widgetNs),
    apply_ns: Math.round(applyNs),
    applied: accepted,
    overlay_size: index.overlaySize,
    bytes_per_asset_with_overlay: Math.round(bytesPerAssetWithOverlay),
    widget_with_overlay_ns: Math.round(widgetWithOverlayNs),
    rebase_same_snapshot_ms: Math.round(rebaseMs),
  }));
}

main();
