import type { Queryable } from '../pool';

/** An asset as the API shows it. Dates are YYYY-MM-DD text; timestamps are ISO-8601 UTC. */
export interface AssetRow {
  id: number;
  hostname: string;
  client_id: number;
  contact_id: number | null;
  manufacturer: string | null;
  model: string | null;
  serial_number: string | null;
  in_service_date: string;
  warranty_expiration_date: string | null;
  pdq_device_id: string | null;
  screenconnect_session_id: string | null;
  status: string;
  retired_at: string | null;
  created_at: string;
  updated_at: string;
  version: string;
}

/** The columns a write may set; the database fills in the rest. */
const WRITABLE_COLUMNS = [
  'hostname',
  'client_id',
  'contact_id',
  'manufacturer',
  'model',
  'serial_number',
  'in_service_date',
  'warranty_expiration_date',
  'pdq_device_id',
  'screenconnect_session_id',
  'status',
] as const;
export type WritableColumn = (typeof WRITABLE_COLUMNS)[number];
export type AssetValues = Partial<Record<WritableColumn, string | number | null>>;

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const RETURNING = `id, hostname, client_id, contact_id, manufacturer, model, serial_number, in_service_date,
  warranty_expiration_date, pdq_device_id, screenconnect_session_id, status, ${utc('retired_at')} AS retired_at,
  ${utc('created_at')} AS created_at, ${utc('updated_at')} AS updated_at, version`;

/** Versions a conditional write accepts (If-Match), or null for an unconditional one. Always parameter $2. */
export type Versions = string[] | null;
const VERSION_MATCHES = '($2::int8[] IS NULL OR version = ANY($2::int8[]))';

export interface ListFilter {
  contactId?: number | undefined;
  clientId?: number | undefined;
  status?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

/** The only SQL that reads or writes assets for the API. Column names come from WRITABLE_COLUMNS, values are parameters. */
export const assetsRepository = {
  async findById(db: Queryable, id: number, forUpdate = false): Promise<AssetRow | undefined> {
    const { rows } = await db.query<AssetRow>(
      `SELECT ${RETURNING} FROM assets WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  },

  async list(db: Queryable, filter: ListFilter): Promise<AssetRow[]> {
    const { rows } = await db.query<AssetRow>(
      `SELECT ${RETURNING} FROM assets
       WHERE ($1::int IS NULL OR contact_id = $1) AND ($2::int IS NULL OR client_id = $2)
         AND ($3::text IS NULL OR status = $3) AND id > $4
       ORDER BY id LIMIT $5`,
      [filter.contactId ?? null, filter.clientId ?? null, filter.status ?? null, filter.afterId ?? 0, filter.limit],
    );
    return rows;
  },

  async insert(db: Queryable, values: AssetValues): Promise<AssetRow> {
    const columns = WRITABLE_COLUMNS.filter((c) => values[c] !== undefined);
    const { rows } = await db.query<AssetRow>(
      `INSERT INTO assets (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
       RETURNING ${RETURNING}`,
      columns.map((c) => values[c]),
    );
    return rows[0]!;
  },

  /**
   * Changes the given columns. `versions` (from If-Match) makes the version check part of the same statement,
   * so of two writers holding the same version exactly one can win; undefined: the row is absent or its
   * version is not one of them (tell the two apart with `versionOf`).
   */
  async update(db: Queryable, id: number, values: AssetValues, versions: Versions): Promise<AssetRow | undefined> {
    const columns = WRITABLE_COLUMNS.filter((c) => values[c] !== undefined);
    const { rows } = await db.query<AssetRow>(
      `UPDATE assets SET ${columns.map((c, i) => `${c} = $${i + 3}`).join(', ')}
       WHERE id = $1 AND ${VERSION_MATCHES} RETURNING ${RETURNING}`,
      [id, versions, ...columns.map((c) => values[c])],
    );
    return rows[0];
  },

  /** Retires an asset; an already retired one is returned unchanged (no new version, same retired_at). */
  async retire(db: Queryable, id: number, versions: Versions): Promise<AssetRow | undefined> {
    const { rows } = await db.query<AssetRow>(
      `WITH changed AS (
         UPDATE assets SET status = 'retired' WHERE id = $1 AND status <> 'retired' AND ${VERSION_MATCHES}
         RETURNING ${RETURNING})
       SELECT * FROM changed
       UNION ALL SELECT ${RETURNING} FROM assets
         WHERE id = $1 AND status = 'retired' AND ${VERSION_MATCHES} AND NOT EXISTS (SELECT 1 FROM changed)`,
      [id, versions],
    );
    return rows[0];
  },

  async delete(db: Queryable, id: number, versions: Versions): Promise<{ id: number; contact_id: number | null; version: string } | undefined> {
    const { rows } = await db.query<{ id: number; contact_id: number | null; version: string }>(
      `DELETE FROM assets WHERE id = $1 AND ${VERSION_MATCHES} RETURNING id, contact_id, version`,
      [id, versions],
    );
    return rows[0];
  },

  /** The row's current version, or undefined when there is no such asset. */
  async versionOf(db: Queryable, id: number): Promise<string | undefined> {
    const { rows } = await db.query<{ version: string }>('SELECT version FROM assets WHERE id = $1', [id]);
    return rows[0]?.version;
  },

  /** Whether the client exists, and which client the contact belongs to (null: no such contact). */
  async ownership(
    db: Queryable,
    clientId: number,
    contactId: number | null,
  ): Promise<{ clientExists: boolean; contactClientId: number | null }> {
    const { rows } = await db.query<{ client_exists: boolean; contact_client_id: number | null }>(
      `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1) AS client_exists,
              (SELECT client_id FROM contacts WHERE id = $2) AS contact_client_id`,
      [clientId, contactId],
    );
    return { clientExists: rows[0]!.client_exists, contactClientId: rows[0]!.contact_client_id };
  },
};
