/**
 * JSON written straight as UTF-8 bytes from the bytes PostgreSQL sent, byte-identical to what PostgreSQL's
 * own row_to_json / to_json print, without a JS string per field.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Escapes as PostgreSQL's escape_json does: \" \\ \b \f \n \r \t, any other byte below 0x20 as \u00xx
 * (lowercase hex), everything else, UTF-8 multi-byte sequences included, copied as is. UTF-8 continuation
 * and lead bytes are all >= 0x80, so escaping byte by byte never splits a character.
 */
export function writeJsonString(target: Uint8Array, at: number, src: Uint8Array, start: number, length: number): number {
  target[at++] = QUOTE;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
      target[at++] = c;
      continue;
    }
    target[at++] = BACKSLASH;
    switch (c) {
      case QUOTE:
      case BACKSLASH:
        target[at++] = c;
        break;
      case 0x08:
        target[at++] = 0x62; // b
        break;
      case 0x0c:
        target[at++] = 0x66; // f
        break;
      case 0x0a:
        target[at++] = 0x6e; // n
        break;
      case 0x0d:
        target[at++] = 0x72; // r
        break;
      case 0x09:
        target[at++] = 0x74; // t
        break;
      default:
        target[at++] = 0x75; // u00xx
        target[at++] = 0x30;
        target[at++] = 0x30;
        target[at++] = HEX[c >> 4]!;
        target[at++] = HEX[c & 15]!;
    }
  }
  target[at++] = QUOTE;
  return at;
}

/** Bytes writeJsonString may need for `length` source bytes (every byte escaped as \u00xx, two quotes). */
export const jsonStringRoom = (length: number): number => length * 6 + 2;

/** Writes a signed 32-bit integer in decimal; returns the position after it. */
export function writeInt(target: Uint8Array, at: number, value: number): number {
  if (value < 0) {
    target[at++] = 0x2d;
    value = -value;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    target[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return at + digits;
}

/** Copies ASCII constant bytes; returns the position after them. */
export function writeBytes(target: Uint8Array, at: number, bytes: Uint8Array): number {
  target.set(bytes, at);
  return at + bytes.length;
}
