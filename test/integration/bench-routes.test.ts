import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('load-test peers (BENCH_ROUTES)', () => {
  let on: TestService;
  let off: TestService;
  beforeAll(async () => {
    [on, off] = await Promise.all([startTestService({ BENCH_ROUTES: 'true' }), startTestService()]);
  });
  afterAll(() => Promise.all([on.stop(), off.stop()]));

  it('serves the bare route and the SQL-only widget, which answers exactly like the cached widget', async () => {
    expect((await on.call('/bench/noop')).body).toEqual({ ok: true });
    const client = (await makeClient(on.db.pool)).id;
    const contact = await makeContact(on.db.pool, client);
    const ticket = (await makeTicket(on.db.pool, client, contact.id)).id;
    for (let i = 0; i < 3; i++) await on.call('/api/assets', { method: 'POST', token: on.techToken, json: assetBody(client, contact.id) });
    const cached = await on.call(`/api/assets/widget/${ticket}`, { token: on.techToken });
    const sql = await on.call(`/api/bench/widget-sql/${ticket}`, { token: on.techToken });
    expect(sql.status).toBe(200);
    expect(sql.body).toEqual(cached.body);
    expect(sql.body.total_assets).toBe(3);
    expect((await on.call(`/api/bench/widget-sql/${ticket}`)).status).toBe(401);
  });

  it('is absent unless switched on', async () => {
    expect((await off.call('/bench/noop')).status).toBe(404);
    expect((await off.call('/api/bench/widget-sql/1', { token: off.techToken })).status).toBe(404);
  });
});
