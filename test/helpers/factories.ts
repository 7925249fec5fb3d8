import type { Queryable } from '../../src/db/pool';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** Rows made straight in SQL, each with unique names, for tests that need a client, contact or ticket to exist. */
export async function makeClient(db: Queryable, name = unique('client')): Promise<{ id: number }> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO clients (name) VALUES ($1) RETURNING id', [name]);
  return rows[0]!;
}

export async function makeContact(db: Queryable, clientId: number, name = unique('contact')): Promise<{ id: number; name: string }> {
  const { rows } = await db.query<{ id: number; name: string }>(
    'INSERT INTO contacts (client_id, name) VALUES ($1, $2) RETURNING id, name',
    [clientId, name],
  );
  return rows[0]!;
}

export async function makeTicket(db: Queryable, clientId: number, contactId: number | null): Promise<{ id: number }> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO tickets (client_id, contact_id, description, state) VALUES ($1, $2, 'printer on fire', 'open') RETURNING id`,
    [clientId, contactId],
  );
  return rows[0]!;
}

/** A valid create-asset body for the given owner; override any field. */
export function assetBody(clientId: number, contactId: number | null, overrides: Record<string, unknown> = {}) {
  return {
    hostname: unique('PC'),
    client_id: clientId,
    contact_id: contactId,
    manufacturer: 'Lenovo',
    model: 'ThinkPad T14',
    serial_number: unique('SN'),
    in_service_date: '2024-03-01',
    warranty_expiration_date: '2027-03-01',
    pdq_device_id: '4711',
    screenconnect_session_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    ...overrides,
  };
}

/** Every asset row, for "nothing changed" assertions around rejected requests. */
export async function assetTableDigest(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ digest: string | null }>(
    `SELECT md5(string_agg(a::text, '|' ORDER BY id)) AS digest FROM assets a`,
  );
  const { rows: count } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM assets');
  return `${count[0]!.n}:${rows[0]!.digest ?? ''}`;
}
