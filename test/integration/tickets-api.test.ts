import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClient, makeContact } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('GET /api/tickets', () => {
  let t: TestService;
  let ids: number[];
  let contactName: string;

  beforeAll(async () => {
    t = await startTestService();
    const client = (await makeClient(t.db.pool)).id;
    const contact = await makeContact(t.db.pool, client);
    contactName = contact.name;
    // 25 tickets an hour apart, every third without a contact; the last two share a created_at (ties: id).
    const { rows } = await t.db.pool.query<{ id: number }>(
      `INSERT INTO tickets (client_id, contact_id, description, state, created_at)
       SELECT $1, CASE WHEN g % 3 = 0 THEN NULL ELSE $2::int END, 'ticket ' || g, 'open',
              '2025-05-01T00:00:00Z'::timestamptz + make_interval(hours => least(g, 24))
       FROM generate_series(1, 25) g ORDER BY g RETURNING id`,
      [client, contact.id],
    );
    ids = rows.map((row) => row.id);
  });
  afterAll(() => t.stop());

  const list = (query = '', token = t.techToken) => t.call(`/api/tickets${query}`, { token });

  it('lists the newest tickets first, 20 by default, with their contact name', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    const newestFirst = [ids[24]!, ids[23]!, ...ids.slice(0, 23).reverse()];
    expect(res.body.tickets.map((ticket: { id: number }) => ticket.id)).toEqual(newestFirst.slice(0, 20));
    expect(res.body.tickets[0]).toEqual({
      id: ids[24],
      description: 'ticket 25',
      state: 'open',
      created_at: '2025-05-02T00:00:00.000000Z',
      contact_name: contactName,
    });
    expect(res.body.tickets[1]).toMatchObject({ description: 'ticket 24', contact_name: null, created_at: '2025-05-02T00:00:00.000000Z' });
    expect(res.body.tickets[2]).toMatchObject({ description: 'ticket 23', created_at: '2025-05-01T23:00:00.000000Z' });
  });

  it('honours limit from 1 to 100, for technicians and admins alike', async () => {
    expect((await list('?limit=1')).body.tickets).toHaveLength(1);
    expect((await list('?limit=100', t.adminToken)).body.tickets).toHaveLength(25);
  });

  it('refuses a limit outside 1–100, a malformed one, and unknown parameters, naming the field', async () => {
    for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1', '?limit=1.5', '?limit=', '?limit=1&limit=2', '?offset=5']) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe('VALIDATION_FAILED');
      expect(res.body.fields[0].field, query).toBe(query.startsWith('?offset') ? 'offset' : 'limit');
    }
  });

  it('answers 401 without credentials, and lists for a signed-in browser', async () => {
    const anonymous = await t.call('/api/tickets');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
    const login = await t.call('/api/auth/login', { method: 'POST', json: { email: 'tech@test.local', password: 'tech-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const signedIn = await t.call('/api/tickets?limit=2', { headers: { cookie } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.tickets).toHaveLength(2);
  });
});
