import type { Queryable } from '../pool';

export interface TicketContact {
  contactId: number | null;
  contactName: string | null;
}

/** The SQL behind the widget: the ticket's contact, and the no-cache answer used when the cache cannot answer. */
export const widgetRepository = {
  /** A named (prepared) statement: parsed and planned once per connection, one round trip per call. */
  async ticketContact(db: Queryable, ticketId: number): Promise<TicketContact | undefined> {
    const { rows } = await db.query<{ contact_id: number | null; name: string | null }>({
      name: 'widget_ticket_contact',
      text: 'SELECT t.contact_id, c.name FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1',
      values: [ticketId],
    });
    const row = rows[0];
    return row && { contactId: row.contact_id, contactName: row.name };
  },

  /**
   * The widget's assets straight from SQL, as the same JSON text the cache answers with
   * (`"assets":[…],"total_assets":N`), so the route cannot tell the two apart.
   */
  async assetsJson(db: Queryable, contactId: number): Promise<string> {
    const { rows } = await db.query<{ json: string }>({
      name: 'widget_assets_sql',
      text: `SELECT '"assets":' || COALESCE((
                SELECT json_agg(row_to_json(x))::text FROM (
                  SELECT id, hostname, warranty_expiration_date, status, screenconnect_session_id, pdq_device_id
                  FROM assets WHERE contact_id = $1 AND status = 'active'
                  ORDER BY created_at DESC, id DESC LIMIT 2) x), '[]')
              || ',"total_assets":' || (SELECT count(*) FROM assets WHERE contact_id = $1 AND status = 'active') AS json`,
      values: [contactId],
    });
    return rows[0]!.json;
  },
};
