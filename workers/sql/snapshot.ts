/**
 * workers/sql/ is the only place the worker writes SQL (its build thread and CLI helpers included); statements
 * are parameterised. This file: what a snapshot reads, and the build's transaction and concurrency limit.
 */

/**
 * The raw columns a snapshot is built from, in the order snapshot-copy-rows.ts decodes them (binary COPY). The
 * build writes each fragment itself; the date arrives as PostgreSQL's own text (DateStyle ISO, set by the
 * build), which is exactly what row_to_json prints for a date. Status is not sent: every row here is 'active'.
 */
export const SNAPSHOT_ASSET_COLUMNS = `a.id, a.contact_id, a.client_id, a.created_at, a.version, a.hostname,
  a.warranty_expiration_date::text, a.screenconnect_session_id, a.pdq_device_id`;

/** Unordered: the builder sorts (snapshot-order.ts), far cheaper than PostgreSQL sorting a million rows. */
export const COPY_ASSETS_SQL = `COPY (SELECT ${SNAPSHOT_ASSET_COLUMNS} FROM assets a WHERE a.status = 'active') TO STDOUT (FORMAT binary)`;
/** The planner's row count of assets (all statuses: an upper bound for the active rows), -1 before any ANALYZE. */
export const ASSET_ROWS_ESTIMATE_SQL = "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'assets'::regclass";
export const COPY_TICKETS_SQL = 'COPY (SELECT id, contact_id FROM tickets) TO STDOUT (FORMAT binary)';
export const COPY_CONTACTS_SQL = 'COPY (SELECT id, name FROM contacts ORDER BY id) TO STDOUT (FORMAT binary)';

/** The same reads as text (psql's \copy), bytes discarded: the export floor the benchmark compares with. */
export const FLOOR_COPY_SQL = [
  `COPY (SELECT ${SNAPSHOT_ASSET_COLUMNS} FROM assets a WHERE a.status = 'active') TO STDOUT`,
  'COPY (SELECT id, contact_id FROM tickets) TO STDOUT',
  'COPY (SELECT id, name FROM contacts) TO STDOUT',
];

/** Advisory-lock class of the build slots ('awcb'); slot k of CACHE_MAX_CONCURRENT_BUILDS is key (class, k). */
const BUILD_SLOT_CLASS = 0x61776362;
/** Takes build slot `slot` for this session if it is free; released by the session's end. */
export const tryBuildSlot = (slot: number) => ({ text: 'SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', values: [BUILD_SLOT_CLASS, slot] });

/**
 * Both build connections run in one REPEATABLE READ transaction each; the second adopts the first's exported
 * snapshot (SET TRANSACTION SNAPSHOT must come before any other statement), so assets, tickets and contacts
 * are read at one moment.
 */
export const BEGIN_BUILD_SQL = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
export const BUILD_SETTINGS_SQL = "SET LOCAL DateStyle = 'ISO'";
export const COMMIT_SQL = 'COMMIT';
export const EXPORT_SNAPSHOT_SQL = 'SELECT pg_export_snapshot() AS id';
/** The id comes from pg_export_snapshot on the first connection; SET TRANSACTION takes no parameters. */
export function setSnapshotSql(id: string): string {
  if (!/^[0-9A-F-]+$/i.test(id)) throw new Error(`unexpected snapshot id ${JSON.stringify(id)}`);
  return `SET TRANSACTION SNAPSHOT '${id}'`;
}
