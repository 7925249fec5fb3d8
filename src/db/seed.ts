import type pg from 'pg';
import { withoutSecondaryIndexes } from './seed-indexes';
import { COMPANIES, COMPANY_FORMS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, TICKET_NOTES, TICKET_SUBJECTS } from './seed-vocabulary';

/** Row counts to generate; `clients` defaults to one client per 50 contacts (at least one). */
export interface SeedOptions {
  clients?: number;
  contacts: number;
  tickets: number;
  assets: number;
}

/** What was written, counted from the tables, and how long the whole seed took. */
export interface SeedSummary {
  clients: number;
  contacts: number;
  tickets: number;
  assets: number;
  active_assets: number;
  retired_assets: number;
  unassigned_assets: number;
  tickets_without_contact: number;
  duration_ms: number;
}

/** The most rows of one kind a seed can write: ids are INTEGER columns. */
export const MAX_SEED_ROWS = 2_147_483_647;

// Every date is measured back from here, so a rerun next year still writes identical rows.
const REFERENCE_TIME = '2026-01-01T00:00:00Z';

/** Kind is the hostname's middle part; weight is the model's share of the fleet. */
type Model = [manufacturer: string, model: string, kind: string, serialPrefix: string, serialLength: number,
  weight: number];
const MODELS: Model[] = [
  ['Lenovo', 'ThinkPad T14 Gen 4', 'LT', 'PF', 6, 12], ['Lenovo', 'ThinkPad X1 Carbon Gen 11', 'LT', 'PF', 6, 6],
  ['Lenovo', 'ThinkCentre M70q Gen 4', 'WS', 'MJ', 6, 5], ['Dell', 'Latitude 5440', 'LT', '', 7, 12],
  ['Dell', 'Latitude 7440', 'LT', '', 7, 7], ['Dell', 'OptiPlex 7010 Micro', 'WS', '', 7, 9],
  ['Dell', 'Precision 3660 Tower', 'WS', '', 7, 3], ['Dell', 'PowerEdge R650', 'SRV', '', 7, 1],
  ['HP', 'EliteBook 840 G10', 'LT', '5CG', 7, 9], ['HP', 'ProBook 450 G9', 'LT', '5CD', 7, 5],
  ['HP', 'EliteDesk 800 G9 Mini', 'WS', 'MXL', 7, 6], ['HP', 'ProLiant DL360 Gen10', 'SRV', 'MXQ', 7, 1],
  ['Apple', 'MacBook Air 13 M2', 'LT', '', 10, 5], ['Apple', 'MacBook Pro 14 M3', 'LT', '', 10, 3],
  ['Apple', 'iMac 24 M3', 'WS', '', 10, 2], ['Microsoft', 'Surface Laptop 5', 'LT', '', 12, 8],
  ['Microsoft', 'Surface Pro 9', 'TAB', '', 12, 6],
];
// A model appears `weight` times, so a weighted pick is an equality join on (hash % slot count).
const MODEL_SLOTS = MODELS.flatMap(([manufacturer, model, kind, prefix, length, weight]) =>
  Array.from({ length: weight }, () => ({ manufacturer, model, kind, prefix, length })),
).map((m, k) => ({ ...m, k }));

// Each H(x, n) below is written out as (hashint4extended(x, n) & 2147483647): a stable 31-bit hash of the row
// number, with n choosing an independent stream. 2654435761 is a prime above MAX_SEED_ROWS, so x -> x * it mod n
// is a bijection of 0..n-1 for every n we accept: it spreads names and asset ids without collisions.
const INSERT_CLIENTS = `
  INSERT INTO clients (id, name, created_at)
  SELECT g, w.company[1 + p % w.nc] || ' ' || w.industry[1 + p / w.nc]
      || ' ' || w.form[1 + (hashint4extended(g, 1) & 2147483647) % cardinality(w.form)]
      || CASE WHEN round > 0 THEN ' ' || (round + 1) ELSE '' END,
    $5::timestamptz - make_interval(secs => 157680000 + (hashint4extended(g, 2) & 2147483647) % 94608000)
  FROM (SELECT $2::text[] AS company, $3::text[] AS industry, $4::text[] AS form,
          cardinality($2::text[]) AS nc, cardinality($2::text[]) * cardinality($3::text[]) AS n) w,
    LATERAL (SELECT g, (g - 1) % w.n * 2654435761 % w.n AS p, (g - 1) / w.n AS round
             FROM generate_series(1, $1::int) g) c`;

// Contacts lean towards low client ids (product of two uniform draws), so some clients are big and some empty.
const INSERT_CONTACTS = `
  INSERT INTO contacts (id, client_id, name, email, created_at)
  SELECT c.g, cl.id, w.first[1 + c.p % w.nf] || ' ' || w.last[1 + c.p / w.nf],
    CASE WHEN (hashint4extended(c.g, 4) & 2147483647) % 100 >= 3 THEN
      lower(w.first[1 + c.p % w.nf] || '.' || w.last[1 + c.p / w.nf])
      || CASE WHEN c.round > 0 THEN c.round::text ELSE '' END
      || '@' || trim(BOTH '-' FROM lower(regexp_replace(cl.name, '[^A-Za-z0-9]+', '-', 'g'))) || '.example'
    END,
    $5::timestamptz - make_interval(secs => 3600 + (hashint4extended(c.g, 5) & 2147483647) % 157680000)
  FROM (SELECT $3::text[] AS first, $4::text[] AS last,
          cardinality($3::text[]) AS nf, cardinality($3::text[]) * cardinality($4::text[]) AS n) w,
    LATERAL (SELECT g, (g - 1) % w.n * 2654435761 % w.n AS p, (g - 1) / w.n AS round,
               1 + (hashint4extended(g, 3) & 2147483647) % $2::int
                 * ((hashint4extended(g, 3) >> 32 & 2147483647) % $2::int) / $2::int AS client_id
             FROM generate_series(1, $1::int) g) c
    JOIN clients cl ON cl.id = c.client_id`;

/*
 * Assigned assets fill "slots" 0..$2-1, handed out to contacts in id order: 15% of contacts get none, 25% exactly
 * one, 20% exactly two and the rest three plus a Zipf-ish share (weight 1/(10 + u)) of what is left, so a few
 * contacts own a hundred or more. With too few assets for that, the base counts are scaled down instead.
 * Slots $2..$1-1 are unassigned. Asset id = slot * 2654435761 mod $1 + 1 scatters a contact's assets over the
 * ids. Every 40th slot copies its neighbour's created_at: exact ties the widget's ordering must break by id.
 */
const INSERT_ASSETS = `
  WITH shaped AS (
    SELECT id, client_id,
      CASE WHEN id = 1 OR b >= 60 THEN 3 WHEN b < 15 THEN 0 WHEN b < 40 THEN 1 ELSE 2 END AS base,
      CASE WHEN id = 1 OR b >= 60 THEN 100000 / (10 + u) ELSE 0 END AS weight
    FROM (SELECT id, client_id, (hashint4extended(id, 11) & 2147483647) % 100 AS b,
            (hashint4extended(id, 12) & 2147483647) % 1000 AS u FROM contacts) c),
  running AS (
    SELECT id, client_id, base, weight, sum(base) OVER w AS cb, sum(weight) OVER w AS cw,
      sum(base) OVER () AS tb, sum(weight) OVER () AS tw
    FROM shaped WINDOW w AS (ORDER BY id)),
  bounds AS (
    SELECT id, client_id,
      CASE WHEN $2::bigint >= tb THEN cb - base + div(($2::bigint - tb)::numeric * (cw - weight), tw)
        ELSE div($2::bigint * (cb - base)::numeric, tb) END AS lo,
      CASE WHEN $2::bigint >= tb THEN cb + div(($2::bigint - tb)::numeric * cw, tw)
        ELSE div($2::bigint * cb::numeric, tb) END AS hi
    FROM running),
  slots AS (
    SELECT b.id AS contact_id, b.client_id, s FROM bounds b, generate_series(b.lo::bigint, b.hi::bigint - 1) s
    UNION ALL
    SELECT NULL, 1 + (hashint4extended(s::int, 13) & 2147483647) % $3::int, s
    FROM generate_series($2::bigint, $1::bigint - 1) s),
  aged AS (
    SELECT (s * 2654435761 % $1::bigint + 1)::int AS id, contact_id, client_id, s,
      3600 + (hashint4extended((s - (s % 40 = 1)::int)::int, 14) & 2147483647) % 157680000 AS age
    FROM slots),
  drawn AS (
    SELECT a.*, $4::timestamptz - make_interval(secs => age) AS created,
      (hashint4extended(id, 15) & 2147483647) % 100 AS st, (hashint4extended(id, 16) & 2147483647) AS h,
      (hashint4extended(id, 17) & 2147483647) % 100 AS wr
    FROM aged a),
  dated AS (
    SELECT d.*, (created AT TIME ZONE 'UTC')::date - (h % 90)::int AS in_service,
      CASE WHEN st < 8 THEN $4::timestamptz - make_interval(secs => h % age) END AS retired
    FROM drawn d),
  -- Sorted while rows are still narrow; the text columns are built on the way into the table, already in order.
  ordered AS (
    SELECT d.*, upper(left(cl.name, 4)) AS code, m.manufacturer, m.model, m.kind, m.prefix, m.length
    FROM dated d
    JOIN clients cl ON cl.id = d.client_id
    JOIN jsonb_to_recordset($5::jsonb) AS m(k int, manufacturer text, model text, kind text, prefix text, length int)
      ON m.k = (hashint4extended(d.id, 19) & 2147483647) % $6::int
    ORDER BY d.id)
  INSERT INTO assets (id, hostname, client_id, contact_id, manufacturer, model, serial_number, in_service_date,
    warranty_expiration_date, pdq_device_id, screenconnect_session_id, status, retired_at, created_at, updated_at,
    version)
  SELECT id, code || '-' || kind || '-' || lpad(id::text, greatest(5, length(id::text)), '0'),
    client_id, contact_id, manufacturer, model,
    prefix || upper(substr(lpad(to_hex(hashint4extended(id, 18)), 16, '0'), 1, length)),
    in_service,
    CASE WHEN wr >= 6 THEN
      (in_service + make_interval(years => CASE WHEN wr < 36 THEN 1 WHEN wr < 81 THEN 3 ELSE 5 END))::date END,
    CASE WHEN h / 100 % 100 >= 9 THEN (100000 + s)::text END,
    CASE WHEN h / 10000 % 100 >= 14 THEN md5('screenconnect:' || id)::uuid::text END,
    CASE WHEN st < 8 THEN 'retired' WHEN st < 11 THEN 'in_repair' WHEN st < 12 THEN 'inactive' ELSE 'active' END,
    retired, created, coalesce(retired, created), id
  FROM ordered
  ORDER BY id`;

// Ticket contacts are uniform; without one, a ticket still has a client, as a walk-in request does. Closed
// tickets spread over two years; open ones are from the last six weeks. Work on either takes up to two weeks.
const INSERT_TICKETS = `
  INSERT INTO tickets (id, client_id, contact_id, description, notes, state, closed_at, created_at, updated_at)
  SELECT t.g, coalesce(ct.client_id, 1 + t.h1 / 10 % $3::int), ct.id,
    w.subject[1 + t.h2 % cardinality(w.subject)],
    CASE WHEN t.h3 % 100 >= 35 THEN w.note[1 + t.h3 / 100 % cardinality(w.note)] END,
    t.state, CASE WHEN t.state = 'closed' THEN t.created + t.worked END, t.created, t.created + t.worked
  FROM (SELECT $5::text[] AS subject, $6::text[] AS note) w,
    LATERAL (SELECT g, h1, h2, h3, state, make_interval(secs => 300 + h3 % 1209000) AS worked,
               $4::timestamptz - make_interval(secs => 1209600 + h4 % CASE WHEN state = 'closed' THEN 63072000
                 ELSE 2419200 END) AS created
             FROM (SELECT g, (hashint4extended(g, 31) & 2147483647) AS h1,
                     (hashint4extended(g, 32) & 2147483647) AS h2, (hashint4extended(g, 33) & 2147483647) AS h3,
                     (hashint4extended(g, 34) & 2147483647) AS h4,
                     CASE (hashint4extended(g, 35) & 2147483647) % 20 WHEN 0 THEN 'open' WHEN 1 THEN 'open'
                       WHEN 2 THEN 'in_progress' WHEN 3 THEN 'waiting' ELSE 'closed' END AS state
                   FROM generate_series(1, $1::int) g) x) t
    LEFT JOIN contacts ct ON $2::int > 0 AND t.h1 % 10 <> 0 AND ct.id = 1 + t.h1 / 10 % greatest($2::int, 1)
  ORDER BY t.g`;

const SUMMARIZE = `
  SELECT count(*) FILTER (WHERE status = 'active')::int AS active_assets,
    count(*) FILTER (WHERE status = 'retired')::int AS retired_assets,
    count(*) FILTER (WHERE contact_id IS NULL)::int AS unassigned_assets,
    (SELECT count(*) FROM tickets WHERE contact_id IS NULL)::int AS tickets_without_contact
  FROM assets`;

/**
 * Fills an empty database with deterministic demo data: the same options always give the same rows, ids from 1,
 * and every timestamp relative to 2026-01-01. Everything happens in one transaction on `client`, so a failure
 * leaves the database as it was. Refuses (throws) when clients, contacts, tickets or assets already has rows.
 */
export async function seedDatabase(client: pg.ClientBase, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const { contacts, tickets, assets } = options;
  const clients = options.clients ?? Math.max(1, Math.ceil(contacts / 50));
  for (const [name, value] of Object.entries({ clients, contacts, tickets, assets })) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_SEED_ROWS) {
      throw new RangeError(`${name} must be an integer from 0 to ${MAX_SEED_ROWS}, got ${value}`);
    }
  }
  if (clients === 0 && contacts + tickets + assets > 0) {
    throw new RangeError('clients must be at least 1 when contacts, tickets or assets are seeded');
  }
  // 5% of assets belong to nobody; without contacts, all do.
  const assigned = contacts > 0 ? assets - Math.floor(assets / 20) : 0;

  await client.query('BEGIN');
  try {
    // One big transaction: losing it in a crash costs nothing, and memory lets the slot sort stay off disk.
    await client.query(`SET LOCAL synchronous_commit = off`);
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    // Writers wait (readers do not), so two seeds cannot both see an empty database.
    await client.query('LOCK TABLE clients, contacts, tickets, assets IN EXCLUSIVE MODE');
    const { rows: [existing] } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT FROM clients)
      OR EXISTS (SELECT FROM contacts) OR EXISTS (SELECT FROM tickets) OR EXISTS (SELECT FROM assets) AS found`);
    if (existing?.found) throw new Error('database already has data; seed expects an empty database');

    const [clientRows, contactRows, assetRows, ticketRows] = await withoutSecondaryIndexes(client, ['contacts', 'tickets', 'assets'], async () => [
      await client.query(INSERT_CLIENTS, [clients, COMPANIES, INDUSTRIES, COMPANY_FORMS, REFERENCE_TIME]),
      await client.query(INSERT_CONTACTS, [contacts, clients, FIRST_NAMES, LAST_NAMES, REFERENCE_TIME]),
      await client.query(INSERT_ASSETS,
        [assets, assigned, clients, REFERENCE_TIME, JSON.stringify(MODEL_SLOTS), MODEL_SLOTS.length]),
      await client.query(INSERT_TICKETS, [tickets, contacts, clients, REFERENCE_TIME, TICKET_SUBJECTS, TICKET_NOTES]),
    ]);
    // Rows carry explicit ids (and version = id), so the sequences continue right after them.
    await client.query(`SELECT setval(pg_get_serial_sequence(t, c), greatest(n, 1), n > 0)
      FROM unnest($1::text[], $2::text[], $3::int[]) AS s(t, c, n)`,
      [['clients', 'contacts', 'tickets', 'assets', 'assets'], ['id', 'id', 'id', 'id', 'version'],
        [clients, contacts, tickets, assets, assets]]);
    await client.query('ANALYZE clients, contacts, tickets, assets');
    const { rows: [counts] } = await client.query<Record<string, number>>(SUMMARIZE);
    await client.query('COMMIT');
    return {
      clients: clientRows.rowCount ?? 0, contacts: contactRows.rowCount ?? 0,
      tickets: ticketRows.rowCount ?? 0, assets: assetRows.rowCount ?? 0,
      active_assets: counts?.active_assets ?? 0, retired_assets: counts?.retired_assets ?? 0,
      unassigned_assets: counts?.unassigned_assets ?? 0, tickets_without_contact: counts?.tickets_without_contact ?? 0,
      duration_ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
