import { describe, expect, it } from 'vitest';
import { toIndexChange } from '../../workers/index-change';

describe('toIndexChange', () => {
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
    const change = toIndexChange(write);
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
    expect(toIndexChange({ ...write, status: 'retired' })).toEqual({ kind: 'remove', id: 7, version: 42 });
    expect(toIndexChange({ kind: 'delete', id: 7 })).toEqual({ kind: 'remove', id: 7, version: Infinity });
  });
});
