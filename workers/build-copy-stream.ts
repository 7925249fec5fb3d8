/**
 * `COPY … TO STDOUT` as pg-copy-streams reads it, without its cost per row. PostgreSQL sends one CopyData
 * message per row; pg-copy-streams slices each message's content into its own Buffer and joins them again
 * per socket read, so a million rows made a million Buffer objects (measured: ~15 % of the build thread's
 * time at 1M assets, with the garbage collection after them). Here each socket read is compacted in place:
 * the message contents are moved over their 5-byte headers and the read goes on as one Buffer. The rest
 * (taking over and handing back the connection, errors) is pg-copy-streams' own.
 */
import type { CopyToStreamQuery } from 'pg-copy-streams';
import { to as copyTo } from 'pg-copy-streams';

const COPY_DATA = 0x64;
const ERROR_RESPONSE = 0x45;
/** Messages that may come during copy-out without ending it (protocol-flow "COPY Operations"). */
const DURING_COPY = new Set([0x48 /* CopyOutResponse */, COPY_DATA, 0x53 /* ParameterStatus */, 0x4e /* Notice */, 0x41 /* Notification */]);

/** What the compaction uses of pg-copy-streams' CopyToStreamQuery (copy-to.js). */
interface CopyToInternals {
  _buffer: { push(data: Buffer): void };
  _detach(): void;
  _cleanup(): void;
}

const CopyTo = Object.getPrototypeOf(copyTo('')).constructor as new (text: string) => CopyToStreamQuery;

class CompactingCopyTo extends CopyTo {
  private code = 0;
  /** Bytes of the current message's header (code + 32-bit length) read so far: 0 expects a new message. */
  private headerBytes = 0;
  private length = 0;
  /** Content bytes of the current message still to come. */
  private unread = 0;

  /** Called by pg-copy-streams with each socket read; returns whether more may be pushed. */
  _parse(chunk: Buffer): boolean | undefined {
    const self = this as unknown as CopyToInternals;
    const end = chunk.length;
    let pos = 0;
    let out = 0;
    let done = false;
    while (pos < end && !done) {
      if (this.unread > 0) {
        const take = Math.min(end - pos, this.unread);
        if (this.code === COPY_DATA) {
          if (out !== pos) chunk.copyWithin(out, pos, pos + take);
          out += take;
        }
        pos += take;
        this.unread -= take;
        done = this.unread === 0 && !DURING_COPY.has(this.code);
      } else if (this.headerBytes === 0) {
        if (chunk[pos] === ERROR_RESPONSE) {
          // pg parses the error and fails the query; like pg-copy-streams, rows still held here are dropped.
          self._buffer.push(chunk.subarray(pos));
          self._detach();
          return undefined;
        }
        this.code = chunk[pos++]!;
        this.headerBytes = 1;
        this.length = 0;
      } else {
        this.length = this.length * 256 + chunk[pos++]!;
        if (++this.headerBytes === 5) {
          this.headerBytes = 0;
          this.unread = this.length - 4;
          done = this.unread === 0 && !DURING_COPY.has(this.code);
        }
      }
    }
    const drained = out > 0 ? this.push(chunk.subarray(0, out)) : true;
    if (done) {
      // What follows CopyDone (CommandComplete, ReadyForQuery) is pg's to parse.
      if (pos < end) self._buffer.push(chunk.subarray(pos));
      self._detach();
      this.push(null);
      self._cleanup();
    }
    return drained;
  }
}

/** A `COPY … TO STDOUT` query for `client.query`, read as a stream of Buffers holding the copy data. */
export function copyOut(sql: string): CopyToStreamQuery {
  return new CompactingCopyTo(sql);
}
