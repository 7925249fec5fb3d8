import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('GET /api/assets/widget?ticket_ids=…: many tickets in one call', () => {
  let t: TestService;
  const tickets: number[] = [];

  beforeAll(async () => {
    t = await startTestService({}, async (db) => {
      const client = (await makeClient(db.pool)).id;
      for (let c = 0; c < 30; c++) {
        const contact = (await makeContact(db.pool, client)).id;
        for (let a = 0; a < c % 4; a++) {
          await db.pool.query(`INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ($1, $2, $3, '2024-01-01')`, [`BULK-${c}-${a}`, client, contact]);
        }
        tickets.push((await makeTicket(db.pool, client, contact)).id, (await makeTicket(db.pool, client, c % 5 ? contact : null)).id);
      }
    });
  });
  afterAll(() => t.stop());

  const bulk = (query: string) => t.call(`/api/assets/widget?ticket_ids=${query}`, { token: t.techToken });

  it('answers each ticket with exactly the single-ticket body, names the unknown ones, and answers duplicates once', async () => {
    const ids = [...tickets.slice(0, 50), tickets[0]!, 999_999, 999_998];
    const res = await bulk(ids.join(','));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.widgets).map(Number).sort((a, b) => a - b)).toEqual([...new Set(tickets.slice(0, 50))].sort((a, b) => a - b));
    expect(res.body.not_found).toEqual([999_999, 999_998]);
    for (const id of tickets.slice(0, 50)) {
      const single = await fetch(`${t.url}/api/assets/widget/${id}`, { headers: { authorization: `Bearer ${t.techToken}` } });
      expect(JSON.stringify(res.body.widgets[String(id)]), `ticket ${id}`).toBe(await single.text());
    }
  });

  it('answers a batch of 50 cached tickets from the cache: 50 hits, no miss', async () => {
    const before = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    await bulk(tickets.slice(0, 50).join(','));
    const after = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    expect(after.misses).toBe(before.misses);
    expect(after.hits - before.hits).toBe(50);
  });

  it('refuses bad input with a 400 naming the bad ids, and more than 100 ids', async () => {
    for (const query of ['1,abc,2,-3', '', '1,,2', '0', '2147483648']) {
      const res = await bulk(encodeURIComponent(query));
      expect([query, res.status, res.body.code, res.body.fields[0].field]).toEqual([query, 400, 'VALIDATION_FAILED', 'ticket_ids']);
    }
    expect((await bulk('1,abc,2,-3')).body.fields[0].message).toBe('not ticket ids: "abc", "-3"');
    expect((await bulk(Array.from({ length: 101 }, (_, i) => i + 1).join(','))).status).toBe(400);
    expect((await bulk(Array.from({ length: 100 }, (_, i) => i + 1).join(','))).status).toBe(200);
    expect((await t.call('/api/assets/widget', { token: t.techToken })).status).toBe(400);
    expect((await t.call(`/api/assets/widget?ticket_ids=1&other=2`, { token: t.techToken })).status).toBe(400);
    expect((await t.call(`/api/assets/widget?ticket_ids=1`)).status).toBe(401);
  });
});
