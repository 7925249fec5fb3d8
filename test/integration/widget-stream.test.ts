import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseParser, type SseEvent } from '../../load-tests/lib/sse-parser';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

/** An EventSource-like reader on a raw request: collects `id`/`data` events, resolves waiters as they arrive. */
function subscribe(base: string, path: string, token: string, lastEventId?: string) {
  const events: SseEvent[] = [];
  let status = 0;
  let ended = false;
  const { hostname, port } = new URL(base);
  const req = http.get({ hostname, port, path, headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } });
  const ready = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      status = res.statusCode!;
      resolve(status);
      res.setEncoding('utf8');
      res.on('data', sseParser((event) => events.push(event)));
      res.on('end', () => (ended = true));
    });
  });
  req.on('error', () => (ended = true));
  return { events, ready, ended: () => ended, close: () => req.destroy() };
}

describe('live widget: GET /api/assets/widget/:ticketId/events (Server-Sent Events)', () => {
  let t: TestService;
  let ticket: number;
  let asset: number;
  let other: number;

  beforeAll(async () => {
    t = await startTestService({ WIDGET_STREAMS_MAX: '3' });
    const client = (await makeClient(t.db.pool)).id;
    const contact = (await makeContact(t.db.pool, client, 'Live Person')).id;
    ticket = (await makeTicket(t.db.pool, client, contact)).id;
    other = (await makeTicket(t.db.pool, client, (await makeContact(t.db.pool, client)).id)).id;
    asset = (await t.db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ('LIVE-1', $1, $2, '2024-01-01') RETURNING id`,
      [client, contact],
    )).rows[0]!.id;
    for (let i = 0; i < 50 && (await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).body.total_assets !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => t.stop());

  const path = (id: number) => `/api/assets/widget/${id}/events`;

  it('sends the body at once, then again within a second of a change by plain SQL, with the ETag as the event id', async () => {
    const single = await fetch(`${t.url}/api/assets/widget/${ticket}`, { headers: { authorization: `Bearer ${t.techToken}` } });
    const a = subscribe(t.url, path(ticket), t.techToken);
    const b = subscribe(t.url, path(ticket), t.techToken);
    expect([await a.ready, await b.ready]).toEqual([200, 200]);
    await expect.poll(() => a.events.length).toBe(1);
    expect(a.events[0]).toEqual({ id: single.headers.get('etag'), data: await single.text() });
    const started = Date.now();
    await t.db.pool.query(`UPDATE assets SET hostname = 'LIVE-2' WHERE id = $1`, [asset]);
    await expect.poll(() => [a.events.length, b.events.length], { timeout: 1_000, interval: 10 }).toEqual([2, 2]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(JSON.parse(a.events[1]!.data).assets[0].hostname).toBe('LIVE-2');
    expect(a.events[1]!.id).not.toBe(a.events[0]!.id);
    // A change elsewhere sends nothing.
    await t.db.pool.query(`UPDATE tickets SET description = 'x' WHERE id = $1`, [other]);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.events).toHaveLength(2);
    a.close();
    b.close();
  });

  it('skips the first event when Last-Event-ID is the current ETag, and sends the next change', async () => {
    const etag = (await fetch(`${t.url}/api/assets/widget/${ticket}`, { headers: { authorization: `Bearer ${t.techToken}` } })).headers.get('etag')!;
    const s = subscribe(t.url, path(ticket), t.techToken, etag);
    await s.ready;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.events).toHaveLength(0);
    await t.db.pool.query(`UPDATE contacts SET name = 'Live Person Renamed' WHERE id = (SELECT contact_id FROM tickets WHERE id = $1)`, [ticket]);
    await expect.poll(() => s.events.length, { timeout: 1_000, interval: 10 }).toBe(1);
    expect(JSON.parse(s.events[0]!.data).contact_name).toBe('Live Person Renamed');
    s.close();
  });

  it('answers 503 with Retry-After past WIDGET_STREAMS_MAX, 404 for an unknown ticket, 401 without credentials', async () => {
    const open = [1, 2, 3].map(() => subscribe(t.url, path(ticket), t.techToken));
    await Promise.all(open.map((s) => s.ready));
    const res = await fetch(`${t.url}${path(ticket)}`, { headers: { authorization: `Bearer ${t.techToken}` } });
    expect([res.status, res.headers.get('retry-after'), ((await res.json()) as { code: string }).code]).toEqual([503, '5', 'STREAM_LIMIT']);
    for (const s of open) s.close();
    await expect.poll(async () => (await fetch(`${t.url}/api/assets/widget/999999/events`, { headers: { authorization: `Bearer ${t.techToken}` } })).status).toBe(404);
    expect((await fetch(`${t.url}${path(ticket)}`)).status).toBe(401);
  });
});

describe('live widget streams on shutdown', () => {
  it('are ended cleanly when the service stops, so clients reconnect elsewhere', async () => {
    const t = await startTestService();
    const client = (await makeClient(t.db.pool)).id;
    const ticket = (await makeTicket(t.db.pool, client, null)).id;
    await expect.poll(async () => (await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).status).toBe(200);
    const s = subscribe(t.url, `/api/assets/widget/${ticket}/events`, t.techToken);
    await s.ready;
    await expect.poll(() => s.events.length).toBe(1);
    await t.stop();
    await expect.poll(() => s.ended(), { timeout: 2_000 }).toBe(true);
  });

  it('end a stream opened during the shutdown grace at once, after its current body, so its client moves on', async () => {
    const t = await startTestService({ SHUTDOWN_GRACE_MS: '3000' });
    const client = (await makeClient(t.db.pool)).id;
    const ticket = (await makeTicket(t.db.pool, client, null)).id;
    await expect.poll(async () => (await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).status).toBe(200);
    const stopping = t.stop();
    const started = Date.now();
    const s = subscribe(t.url, `/api/assets/widget/${ticket}/events`, t.techToken);
    expect(await s.ready).toBe(200);
    // Well inside the grace: not held open until the listener closes and the process cuts it.
    await expect.poll(() => s.ended(), { timeout: 1_500, interval: 10 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(s.events).toHaveLength(1);
    await stopping;
  });
});
