import pg from 'pg';
import Cursor from 'pg-cursor';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { DirectoryBuilder, directoryTransferList, type PackedDirectory } from './directory';
import { SnapshotBuilder, snapshotTransferList, type PackedSnapshot } from './snapshot';

export interface BuildTaskInput {
  databaseUrl: string;
  batchRows: number;
}

export interface BuildTaskOutput {
  assets: PackedSnapshot;
  directory: PackedDirectory;
}

/** Only what the widget serves, serialised by PostgreSQL (dates stay text); created_at as exact microseconds. */
export const ASSET_COLUMNS = `a.id, COALESCE(a.contact_id, 0) AS contact_id, a.client_id,
  (extract(epoch FROM a.created_at) * 1000000)::int8 AS created_us, a.version,
  row_to_json((SELECT x FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                     a.screenconnect_session_id, a.pdq_device_id) x))::text AS fragment`;

const ASSETS_SQL = `SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.status = 'active'
  ORDER BY COALESCE(a.contact_id, 0), a.created_at DESC, a.id DESC`;
const TICKETS_SQL = 'SELECT id, contact_id FROM tickets';
const CONTACTS_SQL = 'SELECT id, to_json(name)::text FROM contacts ORDER BY id';

type AssetRow = [number, number, number, string, string, string];

async function stream<R extends unknown[]>(client: pg.Client, sql: string, batch: number, each: (row: R) => void) {
  const cursor = client.query(new Cursor<R>(sql, [], { rowMode: 'array' }));
  for (;;) {
    const rows = await cursor.read(batch);
    for (const row of rows) each(row);
    if (rows.length < batch) break;
  }
  await cursor.close();
}

/**
 * Streams active assets, tickets and contact names through cursors inside one REPEATABLE READ transaction (so
 * the three agree with each other) and packs them.
 */
export async function packSnapshot(input: BuildTaskInput): Promise<BuildTaskOutput> {
  const client = new pg.Client({ connectionString: input.databaseUrl, application_name: 'asset-cache-build' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const assets = new SnapshotBuilder();
    await stream<AssetRow>(client, ASSETS_SQL, input.batchRows, ([id, contactId, clientId, createdUs, version, fragment]) =>
      assets.add({ id, contactId, clientId, createdAtUs: Number(createdUs), version: Number(version), fragment }),
    );
    const directory = new DirectoryBuilder();
    await stream<[number, number | null]>(client, TICKETS_SQL, input.batchRows, ([id, contactId]) => directory.addTicket(id, contactId));
    await stream<[number, string]>(client, CONTACTS_SQL, input.batchRows, ([id, name]) => directory.addContact(id, name));
    await client.query('COMMIT');
    return { assets: assets.finish(), directory: directory.finish() };
  } finally {
    await client.end();
  }
}

/** Piscina task: the packed snapshot travels back as a transfer of its buffers, received at ~0 cost. */
export default async function buildSnapshot(input: BuildTaskInput): Promise<unknown> {
  const output = await packSnapshot(input);
  return move({
    get [transferableSymbol]() {
      return [...snapshotTransferList(output.assets), ...directoryTransferList(output.directory)];
    },
    get [valueSymbol]() {
      return output;
    },
  } as never);
}
