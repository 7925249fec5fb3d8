import { describe, expect, it } from 'vitest';
import { intLength, jsonStringLength, writeInt, writeJsonString } from '../../workers/json-bytes';

describe('json-bytes lengths', () => {
  it('jsonStringLength is exactly what writeJsonString writes, for every byte value', () => {
    const target = new Uint8Array(64);
    for (let c = 0; c < 256; c++) {
      const src = Uint8Array.from([0x61, c, 0x62]);
      expect(jsonStringLength(src, 0, 3), `byte ${c}`).toBe(writeJsonString(target, 0, src, 0, 3));
    }
  });

  it('intLength is exactly what writeInt writes', () => {
    const target = new Uint8Array(16);
    for (const value of [0, 7, 9, 10, 99, 100, 123_456, 2 ** 31 - 1, -1, -10, -(2 ** 31)]) {
      expect(intLength(value), String(value)).toBe(writeInt(target, 0, value));
    }
  });
});
