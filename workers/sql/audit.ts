/**
 * workers/sql/ is the only place the worker writes SQL; statements are parameterised. This file: the drift
 * audit's sample of one ticket or contact.
 */

export type AuditSubject = 'ticket' | 'contact';

/** Assets compared per contact: the newest ones, which is what the widget shows first, plus the total. */
export const ASSETS_COMPARED = 50;

/** One sample as AUDIT_SQL returns it. */
export interface AuditRow {
  ticket_id: number | null;
  contact_id: number | null;
  name: string | null;
  total: number;
  assets: Array<[number, number, unknown]>;
}

const subjectSql = (subject: AuditSubject, pick: 'random' | 'exact') => {
  const [table, alias, columns] =
    subject === 'ticket' ? ['tickets', 't', 't.id AS ticket_id, t.contact_id'] : ['contacts', 'c', 'NULL::int AS ticket_id, c.id AS contact_id'];
  // The random pick (1..max id) is an index probe: the InitPlan runs once, then `id >=` walks the primary key.
  const where = pick === 'exact' ? `${alias}.id = $1::int` : `${alias}.id >= (SELECT floor($1::float8 * max(id))::int + 1 FROM ${table})`;
  return `SELECT ${columns} FROM ${table} ${alias} WHERE ${where} ORDER BY ${alias}.id LIMIT 1`;
};

/**
 * One statement per sample, on the widget's own index (idx_assets_widget): the subject, its contact's name,
 * the contact's active-asset count, and its newest assets with their versions and widget objects, built
 * exactly as the snapshot builds them (snapshot-copy-rows.ts writes the same bytes).
 */
const auditSql = (subject: AuditSubject, pick: 'random' | 'exact') => `
  WITH s AS (${subjectSql(subject, pick)})
  SELECT s.ticket_id, s.contact_id, c.name,
    (SELECT count(*)::int FROM assets a WHERE a.contact_id = s.contact_id AND a.status = 'active') AS total,
    (SELECT COALESCE(json_agg(json_build_array(x.id, x.version, x.fragment) ORDER BY x.created_at DESC, x.id DESC), '[]')
       FROM (SELECT a.id, a.version, a.created_at,
                    row_to_json((SELECT f FROM (SELECT a.id, a.hostname, a.warranty_expiration_date, a.status,
                                                       a.screenconnect_session_id, a.pdq_device_id) f)) AS fragment
               FROM assets a WHERE a.contact_id = s.contact_id AND a.status = 'active'
              ORDER BY a.created_at DESC, a.id DESC LIMIT ${ASSETS_COMPARED}) x) AS assets
  FROM s LEFT JOIN contacts c ON c.id = s.contact_id`;

/** `random`: $1 a number in [0, 1); `exact`: $1 the id. */
export const AUDIT_SQL = {
  ticket: { random: auditSql('ticket', 'random'), exact: auditSql('ticket', 'exact') },
  contact: { random: auditSql('contact', 'random'), exact: auditSql('contact', 'exact') },
};
