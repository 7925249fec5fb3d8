/**
 * Binary COPY rows (sql/snapshot.ts) decoded straight into the snapshot and directory builders: integers read
 * from the bytes, each asset's widget fragment and each contact's JSON name written as UTF-8 from the bytes
 * PostgreSQL sent, identical to what row_to_json / to_json print (test/integration/widget-vs-sql.test.ts).
 */
import { int64At, type CopyRow } from './copy-binary';
import type { DirectoryBuilder } from './directory';
import { jsonStringRoom, writeBytes, writeInt, writeJsonString } from './json-bytes';
import type { SnapshotBuilder } from './snapshot';

/** Columns of COPY_ASSETS_SQL, in order. */
export const ASSET_FIELDS = 9;
const [ID, CONTACT, CLIENT, CREATED, VERSION, HOSTNAME, WARRANTY, SCREENCONNECT, PDQ] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
export const TICKET_FIELDS = 2;
export const CONTACT_FIELDS = 2;

const ascii = (text: string) => Buffer.from(text, 'latin1');
const OPEN_ID = ascii('{"id":');
const HOSTNAME_KEY = ascii(',"hostname":');
const WARRANTY_KEY = ascii(',"warranty_expiration_date":');
const STATUS_AND_SCREENCONNECT_KEY = ascii(',"status":"active","screenconnect_session_id":');
const PDQ_KEY = ascii(',"pdq_device_id":');
const NULL = ascii('null');
const CLOSE = 0x7d;
const FIXED_BYTES = OPEN_ID.length + 11 + HOSTNAME_KEY.length + WARRANTY_KEY.length + STATUS_AND_SCREENCONNECT_KEY.length + PDQ_KEY.length + 1;

/** PostgreSQL timestamps count microseconds from 2000-01-01 UTC. */
const PG_EPOCH_US = Date.UTC(2000, 0, 1) * 1000;

const int32 = (row: CopyRow, field: number) => row.buf.readInt32BE(row.starts[field]!);

function writeNullableString(target: Uint8Array, at: number, row: CopyRow, field: number): number {
  const length = row.lengths[field]!;
  return length < 0 ? writeBytes(target, at, NULL) : writeJsonString(target, at, row.buf, row.starts[field]!, length);
}

const stringRoom = (row: CopyRow, field: number) => jsonStringRoom(Math.max(0, row.lengths[field]!));

/** One active asset: columns into the builder, fragment written in place into its fragment buffer. */
export function addAssetRow(builder: SnapshotBuilder, row: CopyRow): void {
  const id = int32(row, ID);
  const room = FIXED_BYTES + stringRoom(row, HOSTNAME) + stringRoom(row, WARRANTY) + stringRoom(row, SCREENCONNECT) + stringRoom(row, PDQ);
  const target = builder.fragmentRoom(room);
  let at = writeBytes(target, builder.fragmentStart, OPEN_ID);
  at = writeInt(target, at, id);
  at = writeBytes(target, at, HOSTNAME_KEY);
  at = writeNullableString(target, at, row, HOSTNAME);
  at = writeBytes(target, at, WARRANTY_KEY);
  at = writeNullableString(target, at, row, WARRANTY);
  at = writeBytes(target, at, STATUS_AND_SCREENCONNECT_KEY);
  at = writeNullableString(target, at, row, SCREENCONNECT);
  at = writeBytes(target, at, PDQ_KEY);
  at = writeNullableString(target, at, row, PDQ);
  target[at++] = CLOSE;
  const contactId = row.lengths[CONTACT]! < 0 ? 0 : int32(row, CONTACT);
  const createdAtUs = int64At(row.buf, row.starts[CREATED]!) + PG_EPOCH_US;
  builder.addEncoded(id, contactId, int32(row, CLIENT), createdAtUs, int64At(row.buf, row.starts[VERSION]!), at);
}

/** One ticket: (id, contact or NULL). */
export function addTicketRow(builder: DirectoryBuilder, row: CopyRow): void {
  builder.addTicket(int32(row, 0), row.lengths[1]! < 0 ? null : int32(row, 1));
}

/** One contact: (id, name), the name JSON-encoded from its bytes. */
export function addContactRow(builder: DirectoryBuilder, row: CopyRow): void {
  builder.addContactName(int32(row, 0), row.buf, row.starts[1]!, row.lengths[1]!);
}
