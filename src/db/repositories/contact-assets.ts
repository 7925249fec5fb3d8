import type { ContactPage, PageCursor } from '../../cache/contact-page';
import type { Queryable } from '../pool';

interface PageRow {
  known: boolean;
  total: number;
  fragment: string | null;
  version: string | null;
  created_us: string | null;
  id: number | null;
}

/** A contact's active assets from SQL, paged newest first by (created_at µs, id): the cache's answer when it has none. */
export const contactAssetsRepository = {
  /** undefined: no such contact. */
  async page(db: Queryable, contactId: number, after: PageCursor | null, limit: number): Promise<ContactPage | undefined> {
    const { rows } = await db.query<PageRow>({
      name: 'contact_assets_page',
      text: `SELECT c.known, c.total, t.fragment, t.version::text AS version, t.created_us::text AS created_us, t.id
             FROM (SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1) AS known,
                          (SELECT count(*)::int FROM assets WHERE contact_id = $1 AND status = 'active') AS total) c
             LEFT JOIN LATERAL (
               SELECT row_to_json((SELECT x FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                                         a.screenconnect_session_id, a.pdq_device_id) x))::text AS fragment,
                      a.version, (extract(epoch FROM a.created_at) * 1000000)::int8 AS created_us, a.id
               FROM assets a
               WHERE a.contact_id = $1 AND a.status = 'active'
                 AND ($2::int8 IS NULL OR ((extract(epoch FROM a.created_at) * 1000000)::int8, a.id) < ($2::int8, $3::int))
               ORDER BY a.created_at DESC, a.id DESC LIMIT $4) t ON true`,
      values: [contactId, after?.us ?? null, after?.id ?? null, limit + 1],
    });
    if (!rows[0]!.known) return undefined;
    const found = rows.filter((r) => r.fragment !== null);
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return {
      total: rows[0]!.total,
      assetsJson: `[${page.map((r) => r.fragment).join(',')}]`,
      versions: page.map((r) => Number(r.version)),
      next: last && found.length > limit ? { us: Number(last.created_us), id: last.id! } : null,
    };
  },
};
