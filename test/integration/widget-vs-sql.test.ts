import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../src/db/seed';
import { prng } from '../../load-tests/lib/prng';
import { startTestService, type TestService } from '../helpers/test-service';

const HOSTILE = ['quote " and back\\slash \\" ', 'controls \u0001\b\t\n\f\r\u001f ', 'Zoë 日本語 🚀 \u2028 ', '\u007f'];

/** The widget as the contract defines it, computed independently of the service's own queries. */
async function expectedWidget(t: TestService, ticketId: number) {
  const { rows } = await t.db.pool.query(
    `SELECT t.contact_id, c.name FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = $1`,
    [ticketId],
  );
  const ticket = rows[0];
  if (ticket.contact_id === null) return { assets: [], contact_name: null, total_assets: 0 };
  const assets = await t.db.pool.query(
    `SELECT id, hostname, warranty_expiration_date, status, screenconnect_session_id, pdq_device_id
     FROM assets WHERE contact_id = $1 AND status = 'active' ORDER BY created_at DESC, id DESC`,
    [ticket.contact_id],
  );
  return { assets: assets.rows.slice(0, 2), contact_name: ticket.name, total_assets: assets.rowCount };
}

describe.each([
  { buildThread: 'true', buildIn: 'thread' },
  { buildThread: 'false', buildIn: 'worker' },
])('widget answers equal SQL truth on a seeded dataset (CACHE_BUILD_THREAD=$buildThread)', ({ buildThread, buildIn }) => {
  let t: TestService;
  let ticketCount: number;

  beforeAll(async () => {
    t = await startTestService({ CACHE_BUILD_THREAD: buildThread }, async (db) => {
      const client = await db.pool.connect();
      try {
        await seedDatabase(client, { contacts: 400, tickets: 600, assets: 2_500 });
        // Names JSON escaping must get right; snapshot-read.test.ts compares the exact bytes.
        await client.query(`UPDATE assets SET hostname = ($1::text[])[1 + id % 4] || id WHERE id % 3 = 0`, [HOSTILE]);
        await client.query(`UPDATE contacts SET name = ($1::text[])[1 + id % 4] || id WHERE id % 2 = 0`, [HOSTILE]);
      } finally {
        client.release();
      }
    });
    ticketCount = (await t.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n;
  });
  afterAll(() => t.stop());

  it('for 450 random tickets: after warm-up, after random writes, and after a full refresh', async () => {
    const random = prng(7);
    const check = async () => {
      for (let i = 0; i < 150; i++) {
        const ticketId = 1 + random(ticketCount);
        const res = await t.call(`/api/assets/widget/${ticketId}`, { token: t.techToken });
        expect(res.status).toBe(200);
        expect(res.body, `ticket ${ticketId}`).toEqual(await expectedWidget(t, ticketId));
      }
    };
    await check();
    const { rows: assets } = await t.db.pool.query<{ id: number }>('SELECT id FROM assets ORDER BY id');
    const { rows: contacts } = await t.db.pool.query<{ id: number; client_id: number }>('SELECT id, client_id FROM contacts ORDER BY id');
    for (let i = 0; i < 60; i++) {
      const id = assets[random(assets.length)]!.id;
      const move = contacts[random(contacts.length)]!;
      const change = [
        { method: 'PUT', json: { hostname: `EDITED-${i}` } },
        { method: 'PUT', json: { client_id: move.client_id, contact_id: move.id, status: 'active' } },
        { method: 'DELETE' },
      ][i % 3]!;
      const res = await t.call(`/api/assets/${id}`, { token: t.techToken, ...change });
      expect(res.status).toBe(200);
    }
    await check();
    expect((await t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken })).status).toBe(200);
    await check();
    const stats = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    expect(stats).toMatchObject({ misses: 0, refreshes: 2, build_in: buildIn });
  });
});
