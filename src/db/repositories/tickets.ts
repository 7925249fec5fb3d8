import type { Queryable } from '../pool';

/** A ticket as the recent-tickets list shows it; `created_at` is ISO-8601 UTC text. */
export interface TicketSummary {
  id: number;
  description: string | null;
  state: string | null;
  created_at: string;
  contact_name: string | null;
}

/** The only SQL that reads tickets for the API (the widget's ticket lookup lives in widget.ts). */
export const ticketsRepository = {
  /** Newest first; ties (same `created_at`) by higher id, so the order is stable from one call to the next. */
  async recent(db: Queryable, limit: number): Promise<TicketSummary[]> {
    const { rows } = await db.query<TicketSummary>(
      `SELECT t.id, t.description, t.state,
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
              c.name AS contact_name
       FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id
       ORDER BY t.created_at DESC, t.id DESC
       LIMIT $1`,
      [limit],
    );
    return rows;
  },
};
