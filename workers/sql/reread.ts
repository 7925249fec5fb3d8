/**
 * workers/sql/ is the only place the worker writes SQL; statements are parameterised. This file: how the
 * change applier re-reads the rows a notification names, by id.
 */

/** One asset as a change re-reads it: the widget fragment serialised by PostgreSQL, created_at as exact µs. */
export const ASSET_COLUMNS = `a.id, COALESCE(a.contact_id, 0) AS contact_id, a.client_id,
  (extract(epoch FROM a.created_at) * 1000000)::int8 AS created_us, a.version,
  row_to_json((SELECT x FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                     a.screenconnect_session_id, a.pdq_device_id) x))::text AS fragment`;

/** $1: int[] of asset ids; rows in ASSET_COLUMNS order, then status. */
export const REREAD_ASSETS_SQL = `SELECT ${ASSET_COLUMNS}, a.status FROM assets a WHERE a.id = ANY($1::int[])`;
/** $1: int[] of ticket ids. */
export const REREAD_TICKETS_SQL = 'SELECT id, contact_id FROM tickets WHERE id = ANY($1::int[])';
/** $1: int[] of contact ids; the name as JSON text, as the directory keeps it. */
export const REREAD_CONTACTS_SQL = 'SELECT id, to_json(name)::text AS name FROM contacts WHERE id = ANY($1::int[])';
