import { assetsTag, type AssetsPart } from '../../cache/widget-body';
import type { Queryable } from '../pool';

export interface TicketContact {
  contactId: number | null;
  /** The contact's name as JSON text, serialised by PostgreSQL as the cache's snapshot serialises it. */
  contactNameJson: string | null;
}

/**
 * The SQL behind the widget: the ticket's contact, and the no-cache answer used when the cache cannot answer.
 * Fragments and names are serialised by the same expressions as the cache's snapshot build, so whichever
 * path answers, the bytes are the same (widget-body.ts assembles them).
 */
export const widgetRepository = {
  /** A named (prepared) statement: parsed and planned once per connection, one round trip per call. */
  async ticketContact(db: Queryable, ticketId: number): Promise<TicketContact | undefined> {
    const { rows } = await db.query<{ contact_id: number | null; name: string | null }>({
      name: 'widget_ticket_contact',
      text: 'SELECT t.contact_id, to_json(c.name)::text AS name FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1',
      values: [ticketId],
    });
    const row = rows[0];
    return row && { contactId: row.contact_id, contactNameJson: row.name };
  },

  /** The contact's active-asset count and newest two assets (fragments and versions), straight from SQL. */
  async assets(db: Queryable, contactId: number): Promise<AssetsPart> {
    const { rows } = await db.query<{ total: number; fragment: string | null; version: string | null }>({
      name: 'widget_assets_sql',
      text: `SELECT c.total, t.fragment, t.version
             FROM (SELECT count(*)::int AS total FROM assets WHERE contact_id = $1 AND status = 'active') c
             LEFT JOIN LATERAL (
               SELECT row_to_json((SELECT x FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                                         a.screenconnect_session_id, a.pdq_device_id) x))::text AS fragment,
                      a.version::text AS version
               FROM assets a WHERE a.contact_id = $1 AND a.status = 'active'
               ORDER BY a.created_at DESC, a.id DESC LIMIT 2) t ON true`,
      values: [contactId],
    });
    const shown = rows.filter((r) => r.fragment !== null);
    return {
      total: rows[0]!.total,
      assetsJson: `[${shown.map((r) => r.fragment).join(',')}]`,
      tag: assetsTag(rows[0]!.total, shown.map((r) => Number(r.version))),
    };
  },
};
