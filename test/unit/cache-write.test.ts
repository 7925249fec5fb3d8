import { describe, expect, it } from 'vitest';
import { isoToMicros, toAssetChange } from '../../workers/cache-write';

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

describe('toAssetChange', () => {
  const write = {
    kind: 'upsert' as const,
    id: 7,
    contactId: null,
    clientId: 3,
    createdAt: '2025-06-01T10:00:00.123456Z',
    version: '42',
    status: 'active',
    hostname: 'PC-7',
    warranty_expiration_date: '2027-01-31',
    screenconnect_session_id: null,
    pdq_device_id: '77',
  };

  it('caches an active asset, unassigned under contact 0, with the widget fields only', () => {
    const change = toAssetChange(write);
    expect(change).toMatchObject({ kind: 'upsert', entry: { id: 7, contactId: 0, clientId: 3, version: 42 } });
    if (change.kind !== 'upsert') throw new Error('expected an upsert');
    expect(JSON.parse(change.entry.fragment)).toEqual({
      id: 7,
      hostname: 'PC-7',
      warranty_expiration_date: '2027-01-31',
      status: 'active',
      screenconnect_session_id: null,
      pdq_device_id: '77',
    });
  });

  it('drops an asset that is no longer active at its version, and a deleted one for good', () => {
    expect(toAssetChange({ ...write, status: 'retired' })).toEqual({ kind: 'remove', id: 7, version: 42 });
    expect(toAssetChange({ kind: 'delete', id: 7 })).toEqual({ kind: 'remove', id: 7, version: Infinity });
  });
});
