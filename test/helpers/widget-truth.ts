import type { WidgetAsset } from '../../src/cache/protocol';
import type { Queryable } from '../../src/db/pool';

export interface WidgetBody {
  assets: WidgetAsset[];
  contact_name: string | null;
  total_assets: number;
}

/**
 * The widget as the contract defines it, computed without the service's code or its SQL's ordering and
 * filtering: every asset of the contact is read, and the filter (active only) and the order (newest
 * `created_at` first, to the microsecond; ties: higher id first) are applied here, in JavaScript.
 */
export async function widgetTruth(db: Queryable, ticketId: number): Promise<WidgetBody | undefined> {
  const { rows: tickets } = await db.query<{ contact_id: number | null; name: string | null }>(
    'SELECT t.contact_id, c.name FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1',
    [ticketId],
  );
  const ticket = tickets[0];
  if (!ticket) return undefined;
  if (ticket.contact_id === null) return { assets: [], contact_name: null, total_assets: 0 };
  const { rows } = await db.query<WidgetBody['assets'][number] & { micros: string; warranty: string | null }>(
    `SELECT id, hostname, to_char(warranty_expiration_date, 'YYYY-MM-DD') AS warranty, status, screenconnect_session_id,
            pdq_device_id, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros
     FROM assets WHERE contact_id = $1`,
    [ticket.contact_id],
  );
  const active = rows
    .filter((row) => row.status === 'active')
    .sort((a, b) => {
      const byTime = BigInt(b.micros) - BigInt(a.micros);
      return byTime === 0n ? b.id - a.id : byTime > 0n ? 1 : -1;
    });
  return {
    assets: active.slice(0, 2).map((a) => ({
      id: a.id,
      hostname: a.hostname,
      warranty_expiration_date: a.warranty,
      status: a.status,
      screenconnect_session_id: a.screenconnect_session_id,
      pdq_device_id: a.pdq_device_id,
    })),
    contact_name: ticket.name,
    total_assets: active.length,
  };
}

/**
 * Silences the change feed for this database: no write of any kind announces itself, so the cache learns of
 * a change only from what the test means to exercise (a refresh, the TTL, an API write applied before the
 * answer). The row-version trigger stays on.
 */
export async function disableChangeNotifications(db: Queryable): Promise<void> {
  await db.query(`
    ALTER TABLE assets DISABLE TRIGGER assets_notify;
    ALTER TABLE contacts DISABLE TRIGGER contacts_notify_write;
    ALTER TABLE contacts DISABLE TRIGGER contacts_notify_name;
    ALTER TABLE tickets DISABLE TRIGGER tickets_notify_write;
    ALTER TABLE tickets DISABLE TRIGGER tickets_notify_contact;`);
}
