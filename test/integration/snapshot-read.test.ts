import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_COLUMNS } from '../../workers/sql/reread';
import { tryBuildSlot } from '../../workers/sql/snapshot';
import { Directory } from '../../workers/directory';
import { readSnapshot } from '../../workers/snapshot-read';
import { entryAt } from '../../workers/snapshot-reader';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/** Strings JSON escaping must get right, byte for byte as PostgreSQL escapes them. */
const HOSTILE = [
  'quote " inside',
  'back\\slash and \\" both',
  'controls \u0001\u0008\u0009\u000a\u000b\u000c\u000d\u001b\u001f end',
  'DEL \u007f, line separator \u2028, NBSP \u00a0',
  'Zoë Ångström 日本語 🚀',
  '',
  'x'.repeat(250),
];

async function seed(db: TestDatabase) {
  const client = await makeClient(db.pool);
  const contacts = [];
  for (const name of HOSTILE) contacts.push(await makeContact(db.pool, client.id, `${name}${contacts.length}`));
  for (const contact of contacts) await makeTicket(db.pool, client.id, contact.id);
  await makeTicket(db.pool, client.id, null);
  // Thousands of long rows cross many COPY chunk boundaries; equal created_at values exercise the id tie-break.
  await db.pool.query(
    `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date, pdq_device_id,
                         screenconnect_session_id, status, created_at)
     SELECT left(h.name, 245) || g, $1, CASE WHEN g % 5 = 0 THEN NULL ELSE ($2::int[])[1 + g % cardinality($2::int[])] END,
            '2024-01-01', (ARRAY[NULL, '2027-03-01', 'infinity', '-infinity', '0044-03-15 BC', '12345-06-07']::date[])[1 + g % 6],
            CASE WHEN g % 3 = 0 THEN NULL ELSE h.name END, CASE WHEN g % 4 = 0 THEN NULL ELSE 'sc-' || g END,
            CASE WHEN g % 7 = 0 THEN 'retired' ELSE 'active' END, '2025-01-01'::timestamptz + (g % 50) * interval '1 ms'
     FROM generate_series(1, 4000) g, LATERAL (SELECT ($3::text[])[1 + g % cardinality($3::text[])] AS name) h`,
    [client.id, contacts.map((c) => c.id), HOSTILE],
  );
}

describe('readSnapshot: binary COPY into the packed snapshot', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seed(db);
  });
  afterAll(() => db.drop());

  it('holds every active asset in snapshot order, its widget fragment byte-identical to row_to_json', async () => {
    const { assets } = await readSnapshot(db.url);
    const { rows } = await db.pool.query({
      text: `SELECT ${ASSET_COLUMNS} FROM assets a WHERE a.status = 'active' ORDER BY COALESCE(a.contact_id, 0), a.created_at DESC, a.id DESC`,
      rowMode: 'array',
    });
    expect(assets.count).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(3000);
    rows.forEach(([id, contactId, clientId, createdUs, version, fragment], i) => {
      expect(entryAt(assets, i)).toEqual({ id, contactId, clientId, createdAtUs: Number(createdUs), version: Number(version), fragment });
    });
  });

  it('holds every ticket and every contact name as to_json prints it', async () => {
    const { directory } = await readSnapshot(db.url);
    const live = new Directory(directory);
    const tickets = await db.pool.query<{ id: number; contact_id: number | null }>('SELECT id, contact_id FROM tickets');
    for (const t of tickets.rows) expect(live.contactOfTicket(t.id)).toBe(t.contact_id ?? 0);
    const contacts = await db.pool.query<{ id: number; json: string }>('SELECT id, to_json(name)::text AS json FROM contacts');
    expect(contacts.rows.length).toBe(HOSTILE.length);
    for (const c of contacts.rows) expect(live.nameJson(c.id)).toBe(c.json);
  });

  it('waits while every build slot is held by another session, and reads once one frees', async () => {
    const holder = new pg.Client(db.url);
    await holder.connect();
    try {
      expect((await holder.query<{ ok: boolean }>(tryBuildSlot(0))).rows[0]!.ok).toBe(true);
      let done = false;
      const reading = readSnapshot(db.url, 1).then((read) => {
        done = true;
        return read;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(done).toBe(false);
      await holder.query('SELECT pg_advisory_unlock_all()');
      const read = await reading;
      expect(read.slotWaitMs).toBeGreaterThanOrEqual(1_400);
      expect(read.assets.count).toBeGreaterThan(3000);
      // With a second slot free, the same build does not wait.
      await holder.query(tryBuildSlot(0));
      expect((await readSnapshot(db.url, 2)).slotWaitMs).toBeLessThan(1_000);
    } finally {
      await holder.end();
    }
  });
});
