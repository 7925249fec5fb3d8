import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { makeClient, makeContact } from '../helpers/factories';
import { caller, startTestService, type TestService } from '../helpers/test-service';

/** The contract, computed in JavaScript from every row of the contact: active only, newest first, ties by id. */
async function truth(t: TestService, contactId: number): Promise<Array<{ id: number; hostname: string }>> {
  const { rows } = await t.db.pool.query<{ id: number; hostname: string; status: string; us: string }>(
    `SELECT id, hostname, status, (extract(epoch FROM created_at) * 1000000)::int8::text AS us FROM assets WHERE contact_id = $1`,
    [contactId],
  );
  return rows
    .filter((r) => r.status === 'active')
    .sort((a, b) => (BigInt(b.us) > BigInt(a.us) ? 1 : BigInt(b.us) < BigInt(a.us) ? -1 : b.id - a.id))
    .map(({ id, hostname }) => ({ id, hostname }));
}

describe('GET /api/contacts/:contactId/assets: the whole list, a page at a time', () => {
  let t: TestService;
  let sqlOnly: RunningService;
  const contacts: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestService({}, async (db) => {
      const client = (await makeClient(db.pool)).id;
      for (const [name, count] of [['none', 0], ['one', 1], ['two', 2], ['many', 250]] as const) {
        const contact = (await makeContact(db.pool, client)).id;
        contacts[name] = contact;
        for (let i = 0; i < count; i++) {
          // Ties in created_at every few rows, and some rows that are not active.
          await db.pool.query(
            `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, status, created_at)
             VALUES ($1, $2, $3, '2024-01-01', $4, timestamptz '2025-01-01' + make_interval(secs => $5))`,
            [`${name.toUpperCase()}-${i}`, client, contact, i % 9 === 4 ? 'retired' : 'active', Math.floor(i / 3)],
          );
        }
      }
    });
    const config = loadConfig({ DATABASE_URL: t.db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_GRACE_MS: '0' });
    sqlOnly = await startService(config, createLogger('silent'));
    await sqlOnly.cache.stop();
  });
  afterAll(async () => {
    await sqlOnly.stop();
    await t.stop();
  });

  /** Every page, raw: status, bytes, ETag. */
  async function walk(base: string, contactId: number, limit: number) {
    const pages: Array<{ text: string; etag: string | null; body: { assets: Array<{ id: number; hostname: string }>; total_assets: number; next_cursor: string | null } }> = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(`${base}/api/contacts/${contactId}/assets?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: { authorization: `Bearer ${t.techToken}` },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text);
      pages.push({ text, etag: res.headers.get('etag'), body });
      cursor = body.next_cursor;
    } while (cursor !== null && pages.length < 500);
    return pages;
  }

  it('lists every active asset, newest first, for contacts with 0, 1, 2 and hundreds, equal to SQL and to the contract', async () => {
    for (const [name, contactId] of Object.entries(contacts)) {
      for (const limit of [1, 7, 100]) {
        const cached = await walk(t.url, contactId, limit);
        const fromSql = await walk(sqlOnly.url, contactId, limit);
        const expected = await truth(t, contactId);
        const listed = cached.flatMap((p) => p.body.assets.map(({ id, hostname }) => ({ id, hostname })));
        expect(listed, `${name}, limit ${limit}`).toEqual(expected);
        expect(cached.every((p) => p.body.total_assets === expected.length)).toBe(true);
        expect(cached.length).toBe(Math.max(1, Math.ceil(expected.length / limit)));
        expect(fromSql.map((p) => [p.text, p.etag]), `${name}, limit ${limit}: the same bytes and tags from SQL`).toEqual(cached.map((p) => [p.text, p.etag]));
      }
    }
    const widget = (await caller(t.url)(`/api/assets/widget/${await ticketOf(t, contacts.many!)}`, { token: t.techToken })).body;
    const first = (await walk(t.url, contacts.many!, 2))[0]!.body;
    expect(first.assets).toEqual(widget.assets);
  });

  it('revalidates with the ETag, which changes with the page', async () => {
    const url = `${t.url}/api/contacts/${contacts.two}/assets`;
    const headers = { authorization: `Bearer ${t.techToken}` };
    const first = await fetch(url, { headers });
    const etag = first.headers.get('etag')!;
    expect((await fetch(url, { headers: { ...headers, 'if-none-match': etag } })).status).toBe(304);
    await t.db.pool.query(`UPDATE assets SET hostname = 'TWO-RENAMED' WHERE contact_id = $1 AND hostname = 'TWO-0'`, [contacts.two]);
    await expect.poll(async () => (await fetch(url, { headers: { ...headers, 'if-none-match': etag } })).status, { timeout: 5_000 }).toBe(200);
  });

  it('answers 404 for an unknown contact and 400 for a bad cursor or limit', async () => {
    const call = caller(t.url);
    expect((await call('/api/contacts/999999/assets', { token: t.techToken })).body.code).toBe('CONTACT_NOT_FOUND');
    for (const query of ['cursor=bm90LWEtY3Vyc29y', 'cursor=%2F%2F', 'limit=0', 'limit=101', 'other=1']) {
      const res = await call(`/api/contacts/${contacts.many}/assets?${query}`, { token: t.techToken });
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    expect((await call(`/api/contacts/${contacts.many}/assets`)).status).toBe(401);
  });
});

async function ticketOf(t: TestService, contactId: number): Promise<number> {
  const { rows } = await t.db.pool.query<{ id: number }>(
    `INSERT INTO tickets (client_id, contact_id) SELECT client_id, id FROM contacts WHERE id = $1 RETURNING id`,
    [contactId],
  );
  await new Promise((r) => setTimeout(r, 300));
  return rows[0]!.id;
}
