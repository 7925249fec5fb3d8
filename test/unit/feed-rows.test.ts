import { describe, expect, it } from 'vitest';
import { assetRow, contactRow, ticketRow } from '../../workers/feed-rows';
import { reportedAs } from '../../workers/wal-slot';

const ASSET = {
  id: '42', version: '9007199254740', status: 'active', contact_id: '7', client_id: '3', created_at: '2026-11-30 18:13:14.123456+00',
  hostname: 'WS "1"', warranty_expiration_date: '2027-01-31', screenconnect_session_id: null, pdq_device_id: 'p-1',
};

describe('feed rows: what the WAL relay sends for each decoded row', () => {
  it('an active asset whole: exact microseconds and the widget fragment in row_to_json key order', () => {
    expect(assetRow(ASSET)).toEqual([
      'a', 42, 9007199254740, 7, 3, Date.UTC(2026, 10, 30, 18, 13, 14) * 1000 + 123456,
      '{"id":42,"hostname":"WS \\"1\\"","warranty_expiration_date":"2027-01-31","status":"active","screenconnect_session_id":null,"pdq_device_id":"p-1"}',
    ]);
    expect(assetRow({ ...ASSET, contact_id: null, created_at: '2026-11-30 18:13:14+00' })).toMatchObject({ 3: 0, 5: Date.UTC(2026, 10, 30, 18, 13, 14) * 1000 });
  });

  it('an asset no longer active carries its version; one with a column left out or a timestamp not in UTC is re-read', () => {
    expect(assetRow({ ...ASSET, status: 'retired' })).toEqual(['ax', 42, 9007199254740]);
    expect(assetRow({ ...ASSET, hostname: undefined })).toEqual(['r', 'a', 42, 9007199254740]);
    expect(assetRow({ ...ASSET, created_at: '2026-11-30 19:13:14.5+01' })).toEqual(['r', 'a', 42, 9007199254740]);
  });

  it('tickets and contacts: contact id or none, the name as JSON; a left-out value is re-read', () => {
    expect(ticketRow({ id: '5', contact_id: '8', notes: undefined })).toEqual(['t', 5, 8]);
    expect(ticketRow({ id: '5', contact_id: null })).toEqual(['t', 5, null]);
    expect(contactRow({ id: '8', name: 'Zoë "Z"' })).toEqual(['c', 8, '"Zoë \\"Z\\""']);
    expect(contactRow({ id: '8', name: undefined })).toEqual(['r', 'c', 8]);
  });

  it('acknowledges one before the LSN meant, since the library reports one past it', () => {
    expect(reportedAs('0/16B3748')).toBe('0/16B3747');
    expect(reportedAs('1/0')).toBe('0/FFFFFFFF');
    expect(reportedAs('0/0')).toBe('0/0');
  });
});
