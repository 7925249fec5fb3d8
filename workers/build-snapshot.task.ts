import pg from 'pg';
import Cursor from 'pg-cursor';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { SnapshotBuilder, snapshotTransferList, type PackedSnapshot } from './snapshot';

export interface BuildTaskInput {
  databaseUrl: string;
  batchRows: number;
}

// Only what the widget serves, serialised by PostgreSQL (dates stay text), in the snapshot's order.
// created_at goes out as exact microseconds so ties and ordering survive the trip.
const SNAPSHOT_SQL = `
  SELECT a.id, COALESCE(a.contact_id, 0) AS contact_id, a.client_id,
         (extract(epoch FROM a.created_at) * 1000000)::int8 AS created_us, a.version,
         row_to_json((SELECT x FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                            a.screenconnect_session_id, a.pdq_device_id) x))::text AS fragment
  FROM assets a
  WHERE a.status = 'active'
  ORDER BY COALESCE(a.contact_id, 0), a.created_at DESC, a.id DESC`;

type Row = [number, number, number, string, string, string];

/**
 * Piscina task: streams every active asset through a cursor in one consistent read-only snapshot and packs
 * them. The result travels back as a transfer of its buffers, so the cache worker receives it at ~0 cost.
 */
export default async function buildSnapshot(input: BuildTaskInput): Promise<unknown> {
  const client = new pg.Client({ connectionString: input.databaseUrl, application_name: 'asset-cache-build' });
  await client.connect();
  let snapshot: PackedSnapshot;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const cursor = client.query(new Cursor<Row>(SNAPSHOT_SQL, [], { rowMode: 'array' }));
    const builder = new SnapshotBuilder();
    for (;;) {
      const rows = await cursor.read(input.batchRows);
      for (const [id, contactId, clientId, createdUs, version, fragment] of rows) {
        builder.add({ id, contactId, clientId, createdAtUs: Number(createdUs), version: Number(version), fragment });
      }
      if (rows.length < input.batchRows) break;
    }
    await cursor.close();
    await client.query('COMMIT');
    snapshot = builder.finish();
  } finally {
    await client.end();
  }
  return move({
    get [transferableSymbol]() {
      return snapshotTransferList(snapshot);
    },
    get [valueSymbol]() {
      return snapshot;
    },
  } as never);
}
