import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../load-tests/lib/prng';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';
import { createUserWithToken } from '../../src/services/auth-service';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';

// Names and hostnames that JSON must escape, or that only look plain: quotes, backslashes, control
// characters, non-ASCII, astral characters, HTML.
const NAMES = ['Ann "Dee" Lee', 'C:\\Users\\bo', 'tab\there', 'Zoë Ångström', '李小龍', 'emoji 🖥️ desk', '<b>bold</b>', 'line\u0001ctl', 'plain'];

interface Raw {
  status: number;
  text: string;
  etag: string | null;
  cacheStatus: string | null;
}

async function raw(url: string, token: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag'), cacheStatus: res.headers.get('cache-status') };
}

describe('one widget body and ETag, whichever path answers', () => {
  let t: TestService;
  let sqlTickets: RunningService;
  const tickets: number[] = [];
  let sqlToken: string;

  beforeAll(async () => {
    t = await startTestService({}, async (db) => {
      const random = prng(42);
      const client = (await makeClient(db.pool)).id;
      for (let c = 0; c < 60; c++) {
        const contact = (await makeContact(db.pool, client, `${NAMES[c % NAMES.length]} #${c}`)).id;
        const assets = random(6);
        for (let a = 0; a < assets; a++) {
          const status = random(5) === 0 ? 'retired' : 'active';
          await db.pool.query(
            `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date, status, pdq_device_id, created_at)
             VALUES ($1, $2, $3, '2024-01-01', $4, $5, $6, now() - make_interval(secs => $7))`,
            [`${NAMES[(c + a) % NAMES.length]}-${a}`, client, contact, a % 2 ? null : '2027-06-30', status, a % 3 ? null : `pdq-"${a}"`, random(3)],
          );
        }
        for (let k = 0; k < 4; k++) tickets.push((await makeTicket(db.pool, client, contact)).id);
      }
      for (let k = 0; k < 20; k++) tickets.push((await makeTicket(db.pool, client, null)).id);
    });
    // A second instance on the same database that answers every ticket from SQL (cached contacts), and, once its
    // worker is stopped, everything from SQL.
    const config = loadConfig({ DATABASE_URL: t.db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_GRACE_MS: '0', CACHE_TICKETS: 'false' });
    sqlTickets = await startService(config, createLogger('silent'));
    sqlToken = (await createUserWithToken(t.db.pool, { email: 'paths@test.local', role: 'technician' })).token;
  });
  afterAll(async () => {
    await sqlTickets.stop();
    await t.stop();
  });

  const answers = async (base: string, token: string) => {
    const all: Raw[] = [];
    for (const ticket of tickets) all.push(await raw(`${base}/api/assets/widget/${ticket}`, token));
    return all;
  };

  it('sends the same bytes and the same ETag from a cached ticket, a SQL ticket with a cached contact, and SQL alone', async () => {
    const cached = await answers(t.url, sqlToken);
    const sqlTicket = await answers(sqlTickets.url, sqlToken);
    await sqlTickets.cache.stop();
    const sqlOnly = await answers(sqlTickets.url, sqlToken);
    expect(tickets.length).toBeGreaterThanOrEqual(250);
    expect(new Set(cached.map((a) => a.cacheStatus))).toEqual(new Set(['asset-cache; hit']));
    expect(new Set(sqlOnly.map((a) => a.cacheStatus))).toEqual(new Set(['asset-cache; fwd=miss']));
    const differences = tickets.flatMap((ticket, i) =>
      [sqlTicket[i]!, sqlOnly[i]!].filter((other) => other.text !== cached[i]!.text || other.etag !== cached[i]!.etag).map((other) => ({ ticket, cached: cached[i], other })),
    );
    expect(differences).toEqual([]);
    expect(new Set(cached.map((a) => a.etag)).size).toBeGreaterThan(50);
    for (const answer of cached) expect(answer.etag).toMatch(/^"w\d+\.[\d.-]+\.[0-9a-z]{14}"$|^"w0"$/);
  });
});

describe('widget ETag: changes with every input of the widget, and with nothing else', () => {
  let t: TestService;
  let client: number;
  let contact: number;
  let other: number;
  let ticket: number;
  const assets: number[] = [];

  beforeAll(async () => {
    t = await startTestService();
    client = (await makeClient(t.db.pool)).id;
    contact = (await makeContact(t.db.pool, client, 'Etag Person')).id;
    other = (await makeContact(t.db.pool, client, 'Someone Else')).id;
    ticket = (await makeTicket(t.db.pool, client, contact)).id;
    for (const [who, age] of [[contact, 3], [contact, 2], [contact, 1], [other, 1]] as const) {
      const { rows } = await t.db.pool.query<{ id: number }>(
        `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, created_at) VALUES ('ETAG-PC', $1, $2, '2024-01-01', now() - make_interval(days => $3)) RETURNING id`,
        [client, who, age],
      );
      assets.push(rows[0]!.id);
    }
  });
  afterAll(() => t.stop());

  const widget = (headers: Record<string, string> = {}) => raw(`${t.url}/api/assets/widget/${ticket}`, t.techToken, headers);
  /** Runs a change by plain SQL and waits until the widget (or its ETag) settles, then returns the ETag. */
  const settle = async (sql: string, params: unknown[]) => {
    await t.db.pool.query(sql, params);
    await new Promise((r) => setTimeout(r, 300));
    return (await widget()).etag;
  };

  it('answers 304 with no body to the current ETag, with Cache-Control: private, no-cache', async () => {
    await expect.poll(async () => (await widget()).cacheStatus).toBe('asset-cache; hit');
    const first = await widget();
    expect(first.status).toBe(200);
    const second = await widget({ 'if-none-match': first.etag! });
    expect(second).toMatchObject({ status: 304, text: '', etag: first.etag });
    const res = await fetch(`${t.url}/api/assets/widget/${ticket}`, { headers: { authorization: `Bearer ${t.techToken}` } });
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect((await widget({ 'if-none-match': '"w1.0."' })).status).toBe(200);
  });

  it('changes the ETag for a shown asset, the ticket\'s contact, the contact\'s name and the count; not for anything else', async () => {
    let etag = (await widget()).etag;
    const expectSame = async (sql: string, params: unknown[]) => expect(await settle(sql, params)).toBe(etag);
    const expectChanged = async (sql: string, params: unknown[]) => {
      await expect.poll(async () => (await settle(sql, params)) !== etag, { timeout: 5_000 }).toBe(true);
      etag = (await widget()).etag;
    };
    // Unrelated: the oldest asset (not shown) in a column the widget does not show, another contact's asset,
    // the ticket's description, a contact name set to itself.
    await expectSame(`UPDATE assets SET model = 'X' WHERE id = $1`, [assets[0]]);
    await expectSame(`UPDATE assets SET hostname = 'ELSEWHERE' WHERE id = $1`, [assets[3]]);
    await expectSame(`UPDATE tickets SET description = 'more detail' WHERE id = $1`, [ticket]);
    await expectSame(`UPDATE contacts SET name = name WHERE id = $1`, [contact]);
    // Inputs: a shown asset, the count (the unshown one retired), the name, the ticket's contact.
    await expectChanged(`UPDATE assets SET hostname = 'RENAMED-PC' WHERE id = $1`, [assets[2]]);
    await expectChanged(`UPDATE assets SET status = 'retired' WHERE id = $1`, [assets[0]]);
    await expectChanged(`UPDATE contacts SET name = 'Etag Person Renamed' WHERE id = $1`, [contact]);
    await expectChanged(`UPDATE tickets SET contact_id = $2 WHERE id = $1`, [ticket, other]);
    await expectChanged(`UPDATE tickets SET contact_id = NULL WHERE id = $1`, [ticket]);
    expect(etag).toBe('"w0"');
  });
});
