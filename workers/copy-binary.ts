/**
 * A reader of PostgreSQL's binary COPY format that hands each row to a callback as field positions in the
 * received bytes: no object, string or array per row, so a million rows cost what their bytes cost.
 */

/** "PGCOPY\n\377\r\n\0": the 11-byte signature, then 32-bit flags and the header extension's length. */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * The row being delivered. Reused for every row: read it inside the callback, keep nothing. Field `f` is
 * `buf[starts[f] .. starts[f] + lengths[f])`, length -1 for NULL. Integers are big-endian.
 */
export interface CopyRow {
  buf: Buffer;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** A signed 64-bit big-endian field as a number (exact up to 2^53). */
export function int64At(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x100000000 + buf.readUInt32BE(at + 4);
}

/** Reads a whole `COPY … TO STDOUT (FORMAT binary)` stream of rows with `fields` columns; returns the row count. */
export async function readCopyBinary(source: AsyncIterable<Buffer>, fields: number, onRow: (row: CopyRow) => void): Promise<number> {
  const row: CopyRow = { buf: Buffer.alloc(0) as Buffer, starts: new Int32Array(fields), lengths: new Int32Array(fields) };
  let leftover: Buffer = Buffer.alloc(0);
  let headerRead = false;
  let finished = false;
  let rows = 0;
  for await (const chunk of source) {
    const buf: Buffer = leftover.length === 0 ? chunk : Buffer.concat([leftover, chunk]);
    let pos = 0;
    if (!headerRead) {
      if (buf.length < HEADER_BYTES) {
        leftover = buf;
        continue;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buf.readUInt32BE(SIGNATURE.length + 4);
      if (buf.length < HEADER_BYTES + extension) {
        leftover = buf;
        continue;
      }
      pos = HEADER_BYTES + extension;
      headerRead = true;
    }
    row.buf = buf;
    // Each pass either delivers one complete row or stops at the first that is still incomplete.
    while (!finished && pos + 2 <= buf.length) {
      const count = buf.readInt16BE(pos);
      if (count === -1) {
        finished = true;
        pos += 2;
        break;
      }
      if (count !== fields) throw new Error(`binary COPY row has ${count} fields, expected ${fields}`);
      let at = pos + 2;
      let complete = true;
      for (let f = 0; f < fields; f++) {
        if (at + 4 > buf.length) {
          complete = false;
          break;
        }
        const length = buf.readInt32BE(at);
        at += 4;
        row.starts[f] = at;
        row.lengths[f] = length;
        if (length > 0) at += length;
      }
      if (!complete || at > buf.length) break;
      onRow(row);
      rows++;
      pos = at;
    }
    leftover = buf.subarray(pos);
  }
  if (!finished) throw new Error('binary COPY stream ended without its trailer');
  return rows;
}
