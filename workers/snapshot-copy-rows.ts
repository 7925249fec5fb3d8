/**
 * Binary COPY rows (cache-sql.ts) decoded straight into the snapshot and directory builders: integers read
 * from the bytes, each asset's widget fragment and each contact's JSON name written as UTF-8 from the bytes
 * PostgreSQL sent, identical to what row_to_json / to_json print (test/integration/widget-vs-sql.test.ts).
 */
import { fieldsAt, int64At, rowStart, type CopyRow } from './copy-binary';
import type { DirectoryBuilder } from './directory';
import { intLength, jsonStringLength, writeBytes, writeInt, writeJsonString } from './json-bytes';
import { SnapshotBuilder } from './snapshot';

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
const KEY_BYTES = OPEN_ID.length + HOSTNAME_KEY.length + WARRANTY_KEY.length + STATUS_AND_SCREENCONNECT_KEY.length + PDQ_KEY.length + 1;

/** PostgreSQL timestamps count microseconds from 2000-01-01 UTC. */
const PG_EPOCH_US = Date.UTC(2000, 0, 1) * 1000;

const int32 = (row: CopyRow, field: number) => row.buf.readInt32BE(row.starts[field]!);

function writeNullableString(target: Uint8Array, at: number, row: CopyRow, field: number): number {
  const length = row.lengths[field]!;
  return length < 0 ? writeBytes(target, at, NULL) : writeJsonString(target, at, row.buf, row.starts[field]!, length);
}

function nullableStringLength(row: CopyRow, field: number): number {
  const length = row.lengths[field]!;
  return length < 0 ? NULL.length : jsonStringLength(row.buf, row.starts[field]!, length);
}

/** Bytes writeFragment writes for the row. */
const fragmentLength = (row: CopyRow): number =>
  KEY_BYTES + intLength(int32(row, ID)) + nullableStringLength(row, HOSTNAME) + nullableStringLength(row, WARRANTY) +
  nullableStringLength(row, SCREENCONNECT) + nullableStringLength(row, PDQ);

function writeFragment(target: Uint8Array, start: number, row: CopyRow): number {
  let at = writeBytes(target, start, OPEN_ID);
  at = writeInt(target, at, int32(row, ID));
  at = writeBytes(target, at, HOSTNAME_KEY);
  at = writeNullableString(target, at, row, HOSTNAME);
  at = writeBytes(target, at, WARRANTY_KEY);
  at = writeNullableString(target, at, row, WARRANTY);
  at = writeBytes(target, at, STATUS_AND_SCREENCONNECT_KEY);
  at = writeNullableString(target, at, row, SCREENCONNECT);
  at = writeBytes(target, at, PDQ_KEY);
  at = writeNullableString(target, at, row, PDQ);
  target[at++] = CLOSE;
  return at;
}

/**
 * The active assets of one COPY: columns into a SnapshotBuilder as rows arrive, and the received buffers
 * kept, so each fragment is written once from them, after the sort, in snapshot order. Keeping them costs
 * the COPY's size (~150 B per asset) until finish(); writing fragments as rows arrived cost a second,
 * random-order copy of every fragment instead.
 */
export class AssetCopyRows {
  private readonly buffers: Buffer[] = [];
  /** Per arrival row: its buffer's index × 2^32 + its start in that buffer. */
  private positions = new Float64Array(1024);
  private count = 0;
  private readonly again: CopyRow = { buf: Buffer.alloc(0), starts: new Int32Array(ASSET_FIELDS), lengths: new Int32Array(ASSET_FIELDS) };
  private readonly builder = new SnapshotBuilder((index, target, at) => {
    const position = this.positions[index]!;
    const buffer = Math.floor(position / 0x100000000);
    fieldsAt(this.again, this.buffers[buffer]!, position - buffer * 0x100000000);
    return writeFragment(target, at, this.again);
  });

  /** One active asset, as readCopyBinary delivers it. */
  add(row: CopyRow): void {
    if (this.buffers[this.buffers.length - 1] !== row.buf) this.buffers.push(row.buf);
    if (this.count === this.positions.length) {
      const grown = new Float64Array(this.count * 2);
      grown.set(this.positions);
      this.positions = grown;
    }
    this.positions[this.count++] = (this.buffers.length - 1) * 0x100000000 + rowStart(row);
    const contactId = row.lengths[CONTACT]! < 0 ? 0 : int32(row, CONTACT);
    const createdAtUs = int64At(row.buf, row.starts[CREATED]!) + PG_EPOCH_US;
    this.builder.addRow(int32(row, ID), contactId, int32(row, CLIENT), createdAtUs, int64At(row.buf, row.starts[VERSION]!), fragmentLength(row));
  }

  /** The packed snapshot; the kept buffers are released with this object. */
  finish() {
    return this.builder.finish();
  }
}

/** One ticket: (id, contact or NULL). */
export function addTicketRow(builder: DirectoryBuilder, row: CopyRow): void {
  builder.addTicket(int32(row, 0), row.lengths[1]! < 0 ? null : int32(row, 1));
}

/** One contact: (id, name), the name JSON-encoded from its bytes. */
export function addContactRow(builder: DirectoryBuilder, row: CopyRow): void {
  builder.addContactName(int32(row, 0), row.buf, row.starts[1]!, row.lengths[1]!);
}
