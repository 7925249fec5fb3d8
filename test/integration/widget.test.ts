import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('GET /api/assets/widget/:ticketId', () => {
  let t: TestService;
  let client: number;

  beforeAll(async () => {
    t = await startTestService();
    client = (await makeClient(t.db.pool)).id;
  });
  afterAll(() => t.stop());

  async function contactWithTicket() {
    const contact = await makeContact(t.db.pool, client);
    const ticket = await makeTicket(t.db.pool, client, contact.id);
    return { contact, ticket: ticket.id };
  }
  const create = async (contactId: number | null, overrides: Record<string, unknown> = {}) =>
    (await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(client, contactId, overrides) })).body;
  const widget = (ticket: number | string) => t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });

  it('is warm and ready before the service answers', async () => {
    const stats = await t.call('/api/assets/cache/stats', { token: t.techToken });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ state: 'ready', last_warmup: expect.any(String) });
    expect((await t.call('/readyz')).status).toBe(200);
  });

  it('shows the newest two active assets, the contact name and the total, and sees every write at once', async () => {
    const { contact, ticket } = await contactWithTicket();
    expect((await widget(ticket)).body).toEqual({ assets: [], contact_name: contact.name, total_assets: 0 });

    const first = await create(contact.id);
    const second = await create(contact.id);
    const third = await create(contact.id, { warranty_expiration_date: null, screenconnect_session_id: null });
    const shown = (await widget(ticket)).body;
    expect(shown.total_assets).toBe(3);
    expect(shown.assets).toEqual(
      [third, second].map((a) => ({
        id: a.id,
        hostname: a.hostname,
        warranty_expiration_date: a.warranty_expiration_date,
        status: 'active',
        screenconnect_session_id: a.screenconnect_session_id,
        pdq_device_id: a.pdq_device_id,
      })),
    );

    await t.call(`/api/assets/${second.id}`, { method: 'PUT', token: t.techToken, json: { hostname: 'RENAMED-PC' } });
    expect((await widget(ticket)).body.assets.map((a: { hostname: string }) => a.hostname)).toEqual([third.hostname, 'RENAMED-PC']);

    await t.call(`/api/assets/${third.id}`, { method: 'DELETE', token: t.techToken });
    const afterRetire = (await widget(ticket)).body;
    expect(afterRetire.assets.map((a: { id: number }) => a.id)).toEqual([second.id, first.id]);
    expect(afterRetire.total_assets).toBe(2);

    await t.call(`/api/assets/${first.id}/permanent`, { method: 'DELETE', token: t.adminToken });
    expect((await widget(ticket)).body).toMatchObject({ total_assets: 1, assets: [{ id: second.id }] });

    const other = await contactWithTicket();
    await t.call(`/api/assets/${second.id}`, { method: 'PUT', token: t.techToken, json: { contact_id: other.contact.id } });
    expect((await widget(ticket)).body.total_assets).toBe(0);
    expect((await widget(other.ticket)).body.assets.map((a: { id: number }) => a.id)).toEqual([second.id]);
  });

  it('orders assets created in the same instant by higher id first, and never shows unassigned assets', async () => {
    const { contact, ticket } = await contactWithTicket();
    const { rows } = await t.db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, created_at)
       SELECT 'TIE-' || g, $1, $2, '2024-01-01', '2025-06-01T00:00:00Z' FROM generate_series(1, 3) g RETURNING id`,
      [client, contact.id],
    );
    await create(null);
    await t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken });
    const ids = rows.map((r) => r.id).sort((a, b) => b - a);
    expect((await widget(ticket)).body.assets.map((a: { id: number }) => a.id)).toEqual(ids.slice(0, 2));
  });

  it('answers a ticket without a contact, an unknown ticket, and a bad id as documented', async () => {
    const noContact = await makeTicket(t.db.pool, client, null);
    expect((await widget(noContact.id)).body).toEqual({ assets: [], contact_name: null, total_assets: 0 });
    expect((await widget(2_000_000_000)).body).toEqual({ error: 'Ticket not found', code: 'TICKET_NOT_FOUND' });
    for (const bad of ['abc', '0', '-1', '2147483648', '1.5']) {
      const res = await widget(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.fields[0].field).toBe('ticketId');
    }
  });

  it('answers a cached ticket with zero SQL round trips, including tickets and renames that arrive by the feed', async () => {
    const { contact, ticket } = await contactWithTicket();
    const asset = await create(contact.id);
    await t.db.pool.query(`UPDATE contacts SET name = 'Renamed Person' WHERE id = $1`, [contact.id]);
    const expected = { assets: [expect.objectContaining({ id: asset.id })], contact_name: 'Renamed Person', total_assets: 1 };
    await vi.waitFor(async () => expect((await widget(ticket)).body).toEqual(expected), { timeout: 2_000, interval: 20 });
    const query = vi.spyOn(t.service.pool, 'query');
    try {
      for (let i = 0; i < 20; i++) expect((await widget(ticket)).body).toEqual(expected);
      expect(query).not.toHaveBeenCalled();
    } finally {
      query.mockRestore();
    }
  });

  it('counts hits, empty answers and misses', async () => {
    const { ticket } = await contactWithTicket();
    const before = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    await widget(ticket);
    const after = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    expect(after.hits - before.hits).toBe(1);
    expect(after.empty - before.empty).toBe(1);
    expect(after.misses).toBe(before.misses);
    expect(after.hit_rate).toBeGreaterThan(0);
  });

  it('refreshes on demand for admins only', async () => {
    const denied = await t.call('/api/assets/cache/refresh', { method: 'POST', token: t.techToken });
    expect(denied.status).toBe(403);
    const res = await t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken });
    expect(res.status).toBe(200);
    const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM assets WHERE status = 'active'`);
    expect(res.body).toEqual({ message: 'Asset cache refreshed successfully', cache_size: rows[0]!.n, duration_ms: expect.any(Number) });
  });
});
