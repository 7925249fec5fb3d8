import { encodeAssetFragment } from './asset-index';
import { isoToMicros } from './iso-micros';

/**
 * One changed row in a WAL relay batch (a JSON array of these, deflated: packed-rows.ts), carrying what the cache
 * reads of it, so no instance re-reads it:
 *   ['a', id, version, contactId (0 = none), clientId, createdAtUs, fragment]   asset, active
 *   ['ax', id, version]   asset no longer active       ['ad', id]   asset deleted
 *   ['t', id, contactId | null]   ticket                ['td', id]   ticket deleted
 *   ['c', id, nameJson]   contact                      ['cd', id]   contact deleted
 *   ['r', 'a' | 't' | 'c', id, version?]   re-read this id (a column pgoutput left out: an unchanged TOASTed value)
 *   ['rs']   changes were lost upstream (a new slot, a TRUNCATE): every instance resyncs
 */
export type FeedRow =
  | ['a', number, number, number, number, number, string]
  | ['ax', number, number]
  | ['ad', number]
  | ['t', number, number | null]
  | ['td', number]
  | ['c', number, string]
  | ['cd', number]
  | ['r', 'a' | 't' | 'c', number, number?]
  | ['rs'];

/** A decoded row's columns as pgoutput sent them: text, null, or undefined for an unchanged TOASTed value. */
export type RawRow = Record<string, string | null | undefined>;

const ASSET_COLUMNS = ['version', 'status', 'contact_id', 'client_id', 'created_at', 'hostname', 'warranty_expiration_date', 'screenconnect_session_id', 'pdq_device_id'];
/** timestamptz as the relay's replication session prints it (DateStyle ISO, TimeZone UTC). */
const UTC_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\+00$/;

const missing = (row: RawRow, columns: string[]) => columns.some((c) => row[c] === undefined);

/** An asset's insert or update; anything not as expected becomes a re-read of that id, never a drop. */
export function assetRow(row: RawRow): FeedRow {
  const id = Number(row.id);
  if (missing(row, ASSET_COLUMNS)) return row.version ? ['r', 'a', id, Number(row.version)] : ['r', 'a', id];
  const version = Number(row.version);
  if (row.status !== 'active') return ['ax', id, version];
  const created = UTC_TIMESTAMP.exec(row.created_at!);
  if (!created) return ['r', 'a', id, version];
  const fragment = encodeAssetFragment({
    id,
    hostname: row.hostname!,
    warranty_expiration_date: row.warranty_expiration_date ?? null,
    status: row.status,
    screenconnect_session_id: row.screenconnect_session_id ?? null,
    pdq_device_id: row.pdq_device_id ?? null,
  });
  return ['a', id, version, row.contact_id == null ? 0 : Number(row.contact_id), Number(row.client_id), isoToMicros(`${created[1]}T${created[2]}Z`), fragment];
}

export function ticketRow(row: RawRow): FeedRow {
  const id = Number(row.id);
  return row.contact_id === undefined ? ['r', 't', id] : ['t', id, row.contact_id === null ? null : Number(row.contact_id)];
}

export function contactRow(row: RawRow): FeedRow {
  const id = Number(row.id);
  return row.name == null ? ['r', 'c', id] : ['c', id, JSON.stringify(row.name)];
}
