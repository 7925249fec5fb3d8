import { describe, expect, it } from 'vitest';
import { isoToMicros } from '../../workers/iso-micros';

describe('isoToMicros', () => {
  it('keeps the microseconds that Date.parse would drop', () => {
    expect(isoToMicros('2025-06-01T00:00:00.000001Z') - isoToMicros('2025-06-01T00:00:00.000000Z')).toBe(1);
    expect(isoToMicros('2025-06-01T00:00:00.5Z')).toBe(Date.parse('2025-06-01T00:00:00Z') * 1000 + 500_000);
    expect(isoToMicros('2025-06-01T00:00:00Z')).toBe(Date.parse('2025-06-01T00:00:00Z') * 1000);
  });

  it('refuses text that is not an ISO UTC timestamp', () => {
    expect(() => isoToMicros('2025-06-01 00:00:00')).toThrow(/ISO-8601/);
  });
});
