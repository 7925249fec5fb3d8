import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeedFlags } from '../../src/cli/seed';
// Registers the DATE-as-text parser, as the CLI does.
import '../../src/db/pool';
import { seedDatabase, type SeedOptions, type SeedSummary } from '../../src/db/seed';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const FLAGS = { contacts: 300, tickets: 500, assets: 2000 };
const TABLES = ['clients', 'contacts', 'tickets', 'assets'] as const;

async function seed(pool: pg.Pool, options: SeedOptions): Promise<SeedSummary> {
  const client = await pool.connect();
  try {
    return await seedDatabase(client, options);
  } finally {
    client.release();
  }
}

/**
 * md5 of every column of every row, in id order. Nothing is left out: created_at, updated_at, retired_at and
 * version are derived from the flags like everything else. Sequence positions are compared too, so the next ids match.
 */
async function fingerprint(pool: pg.Pool): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows: [row] } = await pool.query(`SELECT md5(string_agg(t::text, '|' ORDER BY id)) AS md5 FROM ${table} t`);
    result[table] = row.md5;
  }
  const { rows } = await pool.query(`SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename`);
  result.sequences = JSON.stringify(rows);
  return result;
}

/** Every index of the schema with its definition. */
async function indexes(pool: pg.Pool): Promise<Array<{ indexname: string; indexdef: string }>> {
  const { rows } = await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`);
  return rows;
}

async function one(pool: pg.Pool, sql: string): Promise<Record<string, number>> {
  const { rows: [row] } = await pool.query(sql);
  return row;
}

describe('seedDatabase', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let scratch: TestDatabase;
  let summary: SeedSummary;
  beforeAll(async () => {
    [first, second, scratch] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    summary = await seed(first.pool, FLAGS);
  });
  afterAll(() => Promise.all([first?.drop(), second?.drop(), scratch?.drop()]));

  it('writes exactly the requested rows, with ids from 1 and sequences continuing after them', async () => {
    expect(summary).toMatchObject({ clients: 6, contacts: 300, tickets: 500, assets: 2000, unassigned_assets: 100 });
    const counts = await one(first.pool, `SELECT
      (SELECT count(*) FILTER (WHERE status = 'active') FROM assets)::int AS active_assets,
      (SELECT count(*) FILTER (WHERE status = 'retired') FROM assets)::int AS retired_assets,
      (SELECT count(*) FROM tickets WHERE contact_id IS NULL)::int AS tickets_without_contact`);
    expect(summary).toMatchObject(counts);
    for (const table of TABLES) {
      const { min, max } = await one(first.pool, `SELECT min(id), max(id) FROM ${table}`);
      expect([min, max]).toEqual([1, summary[table]]);
    }
    const { rows } = await first.pool.query(`SELECT sequencename, last_value::int FROM pg_sequences`);
    expect(Object.fromEntries(rows.map((r) => [r.sequencename, r.last_value]))).toMatchObject({
      clients_id_seq: 6, contacts_id_seq: 300, tickets_id_seq: 500, assets_id_seq: 2000, asset_version_seq: 2000,
    });
  });

  it('is deterministic: a second fresh database seeded with the same flags holds identical rows', async () => {
    const again = await seed(second.pool, FLAGS);
    expect({ ...again, duration_ms: 0 }).toEqual({ ...summary, duration_ms: 0 });
    expect(await fingerprint(second.pool)).toEqual(await fingerprint(first.pool));
  });

  it('builds again every index it drops for the load, as the migrations defined it', async () => {
    const migrated = await indexes(scratch.pool);
    expect(migrated.map((i) => i.indexname)).toContain('idx_assets_widget');
    expect(await indexes(first.pool)).toEqual(migrated);
  });

  it('keeps its distribution promises', async () => {
    const perContact = await one(first.pool, `SELECT count(*) FILTER (WHERE n = 0)::int AS none,
      count(*) FILTER (WHERE n = 1)::int AS one, count(*) FILTER (WHERE n = 2)::int AS two,
      count(*) FILTER (WHERE n >= 3)::int AS many, max(n)::int AS most
      FROM (SELECT c.id, count(a.id) FILTER (WHERE a.status = 'active') AS n
            FROM contacts c LEFT JOIN assets a ON a.contact_id = c.id GROUP BY c.id) x`);
    for (const bucket of ['none', 'one', 'two', 'many'] as const) expect(perContact[bucket]).toBeGreaterThan(0);
    expect(perContact.most).toBeGreaterThanOrEqual(20);

    const assets = await one(first.pool, `SELECT
      count(*) FILTER (WHERE status = 'retired')::int AS retired,
      count(*) FILTER (WHERE status = 'in_repair')::int AS in_repair,
      count(*) FILTER (WHERE (status = 'retired') <> (retired_at IS NOT NULL))::int AS retired_at_mismatch,
      count(*) FILTER (WHERE retired_at < created_at OR retired_at > '2026-01-01Z')::int AS retired_at_out_of_range,
      count(*) FILTER (WHERE warranty_expiration_date < '2026-01-01')::int AS expired,
      count(*) FILTER (WHERE warranty_expiration_date BETWEEN '2026-01-01' AND '2026-03-31')::int AS expiring_soon,
      count(*) FILTER (WHERE warranty_expiration_date > '2027-01-01')::int AS far_future,
      count(*) FILTER (WHERE warranty_expiration_date IS NULL)::int AS no_warranty,
      count(*) FILTER (WHERE pdq_device_id IS NULL)::int AS no_pdq,
      count(*) FILTER (WHERE screenconnect_session_id IS NULL)::int AS no_screenconnect,
      count(*) FILTER (WHERE screenconnect_session_id !~ '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$')::int
        AS bad_guid,
      count(*) FILTER (WHERE hostname !~ '^[A-Z]{4}-(LT|WS|SRV|TAB)-[0-9]{5,}$')::int AS bad_hostname,
      count(*) FILTER (WHERE created_at < '2021-01-01Z' OR created_at >= '2026-01-01Z')::int AS created_out_of_range,
      count(DISTINCT created_at)::int AS distinct_created,
      count(DISTINCT manufacturer)::int AS manufacturers
      FROM assets`);
    expect(assets.retired).toBeGreaterThan(2000 * 0.05);
    expect(assets.retired).toBeLessThan(2000 * 0.11);
    expect(assets.in_repair).toBeGreaterThan(0);
    for (const key of ['expired', 'expiring_soon', 'far_future', 'no_warranty', 'no_pdq', 'no_screenconnect']) {
      expect(assets[key], key).toBeGreaterThan(0);
      expect(assets[key], key).toBeLessThan(2000 / 2);
    }
    expect(assets).toMatchObject({ retired_at_mismatch: 0, retired_at_out_of_range: 0, bad_guid: 0, bad_hostname: 0,
      created_out_of_range: 0, manufacturers: 5 });
    // Mostly distinct created_at, with some exact ties among one contact's assets for the widget's id tie-break.
    expect(assets.distinct_created).toBeGreaterThan(2000 * 0.95);
    expect(assets.distinct_created).toBeLessThan(2000);
    const ties = await one(first.pool, `SELECT count(*)::int AS n FROM assets a JOIN assets b
      ON b.contact_id = a.contact_id AND b.created_at = a.created_at AND b.id > a.id`);
    expect(ties.n).toBeGreaterThan(0);

    const links = await one(first.pool, `SELECT
      (SELECT count(*) FROM assets a JOIN contacts c ON c.id = a.contact_id WHERE c.client_id <> a.client_id)::int
        AS asset_client_mismatch,
      (SELECT count(*) FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.client_id <> t.client_id)::int
        AS ticket_client_mismatch,
      (SELECT count(*) FROM tickets WHERE client_id IS NULL)::int AS tickets_without_client,
      (SELECT count(*) FROM contacts WHERE email IS NULL)::int AS contacts_without_email,
      (SELECT count(DISTINCT email) = count(email) FROM contacts)::int AS emails_unique`);
    expect(links).toMatchObject({ asset_client_mismatch: 0, ticket_client_mismatch: 0, tickets_without_client: 0,
      emails_unique: 1 });
    expect(summary.tickets_without_contact).toBeGreaterThan(500 * 0.05);
    expect(summary.tickets_without_contact).toBeLessThan(500 * 0.15);
  });

  it('returns DATE columns as YYYY-MM-DD strings', async () => {
    const { rows } = await first.pool.query(`SELECT in_service_date, warranty_expiration_date FROM assets
      WHERE warranty_expiration_date IS NOT NULL ORDER BY id LIMIT 20`);
    for (const row of rows) {
      expect(row.in_service_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.warranty_expiration_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('refuses a database that already has data, and changes nothing', async () => {
    const before = await fingerprint(first.pool);
    const client = await first.pool.connect();
    try {
      await expect(seedDatabase(client, FLAGS)).rejects.toThrow(
        'database already has data; seed expects an empty database',
      );
      // The transaction was rolled back: the connection is usable, not stuck in an aborted transaction.
      expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      client.release();
    }
    expect(await fingerprint(first.pool)).toEqual(before);
  });

  it('leaves nothing behind when a step fails part-way', async () => {
    await scratch.pool.query(`CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'tickets are broken'; END $$`);
    await scratch.pool.query('CREATE TRIGGER fail BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION fail()');
    await expect(seed(scratch.pool, { contacts: 20, tickets: 5, assets: 50 })).rejects.toThrow('tickets are broken');
    const counts = await one(scratch.pool, `SELECT (SELECT count(*) FROM clients)::int AS clients,
      (SELECT count(*) FROM contacts)::int AS contacts, (SELECT count(*) FROM assets)::int AS assets`);
    expect(counts).toEqual({ clients: 0, contacts: 0, assets: 0 });
    expect(await indexes(scratch.pool)).toEqual(await indexes(second.pool));
    await scratch.pool.query('DROP TRIGGER fail ON tickets');
  });

  it('handles few assets per contact, no contacts at all, and an explicit client count', async () => {
    const sparse = await seed(scratch.pool, { clients: 3, contacts: 400, tickets: 10, assets: 90 });
    expect(sparse).toMatchObject({ clients: 3, contacts: 400, assets: 90, unassigned_assets: 4 });
    const sparseLinks = await one(scratch.pool, `SELECT count(*)::int AS mismatched FROM assets a
      JOIN contacts c ON c.id = a.contact_id WHERE c.client_id <> a.client_id`);
    expect(sparseLinks.mismatched).toBe(0);

    await scratch.pool.query('TRUNCATE clients, contacts, tickets, assets RESTART IDENTITY');
    const alone = await seed(scratch.pool, { contacts: 0, tickets: 7, assets: 12 });
    expect(alone).toMatchObject({ clients: 1, contacts: 0, assets: 12, unassigned_assets: 12,
      tickets_without_contact: 7 });
  });

  it('rejects impossible options before touching the database', async () => {
    await expect(seed(scratch.pool, { clients: 0, contacts: 5, tickets: 0, assets: 0 })).rejects.toThrow(RangeError);
    await expect(seed(scratch.pool, { contacts: -1, tickets: 0, assets: 0 })).rejects.toThrow(RangeError);
    await expect(seed(scratch.pool, { contacts: 1.5, tickets: 0, assets: 0 })).rejects.toThrow(RangeError);
  });
});

describe('db:seed flags', () => {
  it('defaults to 50 contacts, 100 tickets and 200 assets', () => {
    expect(parseSeedFlags([])).toEqual({ options: { contacts: 50, tickets: 100, assets: 200 }, problems: [] });
    expect(parseSeedFlags(['--assets=7', '--clients', '2']).options).toEqual(
      { contacts: 50, tickets: 100, assets: 7, clients: 2 },
    );
  });

  it('reports every problem at once', () => {
    const { problems } = parseSeedFlags(['--contacts', '-1', '--bogus', '--assets=1.5', 'extra', '--tickets']);
    expect(problems).toEqual([
      '--contacts must be a whole number from 0 to 2147483647, got "-1"',
      'unknown option --bogus',
      '--assets must be a whole number from 0 to 2147483647, got "1.5"',
      'unexpected argument "extra"',
      '--tickets needs a value',
    ]);
  });
});
