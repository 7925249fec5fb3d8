/**
 * Reads a full snapshot from PostgreSQL as fast as it exports it: binary COPY streams parsed straight into the
 * packed builders (snapshot-copy-rows.ts), assets on one connection while tickets and contacts come on a
 * second, both in one exported snapshot so every table is read at the same moment.
 */
import v8 from 'node:v8';
import pg from 'pg';
import {
  ASSET_ROWS_ESTIMATE_SQL,
  BEGIN_BUILD_SQL,
  BUILD_SETTINGS_SQL,
  COMMIT_SQL,
  COPY_ASSETS_SQL,
  COPY_CONTACTS_SQL,
  COPY_TICKETS_SQL,
  EXPORT_SNAPSHOT_SQL,
  setSnapshotSql,
  tryBuildSlot,
} from './sql/snapshot';
import { copyOut } from './build-copy-stream';
import { readCopyBinary, type CopyRow } from './copy-binary';
import { DirectoryBuilder, type PackedDirectory } from './directory';
import { addAssetRow, addContactRow, addTicketRow, ASSET_FIELDS, CONTACT_FIELDS, TICKET_FIELDS } from './snapshot-copy-rows';
import { SnapshotBuilder, type PackedSnapshot } from './snapshot';

const copy = (client: pg.Client, sql: string, fields: number, onRow: (row: CopyRow) => void) =>
  readCopyBinary(client.query(copyOut(sql)), fields, onRow);

/** The columns are sized from the planner's estimate up front; a wrong one only means growth or unused room. */
async function readAssets(client: pg.Client, marks: BuildMarks): Promise<PackedSnapshot> {
  const { rows } = await client.query<{ rows: number }>(ASSET_ROWS_ESTIMATE_SQL);
  const assets = new SnapshotBuilder(Math.max(0, rows[0]?.rows ?? 0));
  await copy(client, COPY_ASSETS_SQL, ASSET_FIELDS, (row) => addAssetRow(assets, row));
  marks.assetsCopied = wallMs();
  const packed = assets.finish();
  marks.assetsPacked = wallMs();
  return packed;
}

async function readDirectory(client: pg.Client, marks: BuildMarks): Promise<PackedDirectory> {
  const directory = new DirectoryBuilder();
  await copy(client, COPY_TICKETS_SQL, TICKET_FIELDS, (row) => addTicketRow(directory, row));
  await copy(client, COPY_CONTACTS_SQL, CONTACT_FIELDS, (row) => addContactRow(directory, row));
  const packed = directory.finish();
  marks.directoryPacked = wallMs();
  return packed;
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable between threads of one process. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/**
 * When each step of a build ended (wallMs), so a warm-up can be split where it ran: `started` when the
 * build began on its thread, `snapshot` once both connections hold the exported snapshot, the assets'
 * COPY fully parsed and then packed, the directory packed, and `read` after both transactions committed.
 */
export interface BuildMarks {
  started: number;
  snapshot: number;
  assetsCopied: number;
  assetsPacked: number;
  directoryPacked: number;
  read: number;
}

/** Poll interval while every build slot is taken, with up to as much again at random so waiters spread out. */
const SLOT_POLL_MS = 500;

/**
 * Takes one of `slots` session advisory locks on `client` (held until it disconnects), waiting while all are
 * taken by other instances' builds; returns the time waited. 0 slots = no limit.
 */
async function takeBuildSlot(client: pg.Client, slots: number): Promise<number> {
  const started = performance.now();
  for (let attempt = 0; slots > 0; attempt++) {
    for (let slot = 0; slot < slots; slot++) {
      const { rows } = await client.query<{ ok: boolean }>(tryBuildSlot(slot));
      if (rows[0]!.ok) return performance.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, SLOT_POLL_MS + Math.random() * SLOT_POLL_MS));
  }
  return 0;
}

export interface SnapshotRead {
  assets: PackedSnapshot;
  directory: PackedDirectory;
  /** Time spent waiting for a build slot (CACHE_MAX_CONCURRENT_BUILDS) before reading. */
  slotWaitMs: number;
  /** The building isolate's heap when the read ends: used, and committed (which only grows during a build). */
  heapUsedBytes: number;
  heapTotalBytes: number;
  marks: BuildMarks;
}

/**
 * The snapshot is taken by the first statement of the first transaction (pg_export_snapshot), after the
 * caller has started listening for changes; the second connection adopts it before reading anything.
 */
export async function readSnapshot(databaseUrl: string, maxConcurrentBuilds = 0): Promise<SnapshotRead> {
  const started = wallMs();
  const marks: BuildMarks = { started, snapshot: started, assetsCopied: started, assetsPacked: started, directoryPacked: started, read: started };
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'asset-cache-build' });
    await client.connect();
    return client;
  };
  const first = await connect();
  const clients = [first];
  try {
    const slotWaitMs = await takeBuildSlot(first, maxConcurrentBuilds);
    // Only a build holding a slot opens its second connection (waiting instances hold one idle session each);
    // it connects while the first exports the snapshot, so the two round trips overlap.
    const opening = connect().then((client) => (clients.push(client), client));
    const exporting = (async () => {
      await first.query(BEGIN_BUILD_SQL);
      const { rows } = await first.query<{ id: string }>(EXPORT_SNAPSHOT_SQL);
      await first.query(BUILD_SETTINGS_SQL);
      return rows[0]!.id;
    })();
    // Both settle before either failure is thrown, so `finally` ends a connection that was still opening.
    const [opened, exported] = await Promise.allSettled([opening, exporting]);
    if (opened.status === 'rejected') throw opened.reason;
    if (exported.status === 'rejected') throw exported.reason;
    const second = opened.value;
    await second.query(BEGIN_BUILD_SQL);
    await second.query(setSnapshotSql(exported.value));
    await second.query(BUILD_SETTINGS_SQL);
    marks.snapshot = wallMs();
    const [assets, directory] = await Promise.all([readAssets(first, marks), readDirectory(second, marks)]);
    await Promise.all([first.query(COMMIT_SQL), second.query(COMMIT_SQL)]);
    marks.read = wallMs();
    const heap = v8.getHeapStatistics();
    return { assets, directory, slotWaitMs: Math.round(slotWaitMs), heapUsedBytes: heap.used_heap_size, heapTotalBytes: heap.total_heap_size, marks };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
