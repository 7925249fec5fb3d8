import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prng } from '../../load-tests/lib/prng';
import { seedDatabase } from '../../src/db/seed';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { eventually, sqlWidget, startServicePair, type PairInstance, type ServicePair, type WidgetBody } from '../helpers/service-pair';

// Enough assets for the 10,000-row burst to touch most contacts, small enough to warm in well under a second.
const SEED = { contacts: 2_400, tickets: 3_600, assets: 12_000 };
const BURST_ROWS = 10_000;

// The notify-trigger feed (the fallback where logical decoding is unavailable), whatever the server allows;
// the WAL feed has its own tests (wal-feed.test.ts).
describe('one change feed: every instance sees every write, whoever made it', () => {
  let pair: ServicePair;

  beforeAll(async () => {
    pair = await startServicePair(
      async (db) => {
        const client = await db.pool.connect();
        try {
          await seedDatabase(client, SEED);
        } finally {
          client.release();
        }
      },
      undefined,
      { CACHE_FEED: 'notify' },
    );
  });
  afterAll(() => pair?.stop());

  const stats = async (instance: PairInstance) => {
    const res = await instance.call('/api/assets/cache/stats', { token: pair.techToken });
    expect(res.status, `stats from ${instance.url}`).toBe(200);
    return res.body as { state: string; refreshes: number; feed_reconnects: number };
  };
  const widget = async (instance: PairInstance, ticket: number): Promise<WidgetBody> => {
    const res = await instance.call(`/api/assets/widget/${ticket}`, { token: pair.techToken });
    expect(res.status, `widget ${ticket} from ${instance.url}; log: ${instance.log}`).toBe(200);
    return res.body;
  };

  /** SQL truth now, then waits until every given instance answers exactly that; returns the truth. */
  async function expectSeenBy(instances: PairInstance[], ticket: number, timeoutMs = 1_000): Promise<WidgetBody> {
    const expected = await sqlWidget(pair.db, ticket);
    await Promise.all(
      instances.map((instance) =>
        eventually(async () => expect(await widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), timeoutMs),
      ),
    );
    return expected;
  }

  async function owner() {
    const client = (await makeClient(pair.db.pool)).id;
    const contact = await makeContact(pair.db.pool, client);
    const ticket = (await makeTicket(pair.db.pool, client, contact.id)).id;
    return { client, contact, ticket };
  }

  let sqlAssets = 0;
  async function sqlAsset(client: number, contact: number): Promise<number> {
    const { rows } = await pair.db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ($3, $1, $2, '2024-01-01') RETURNING id`,
      [client, contact, `SQL-PC-${++sqlAssets}`],
    );
    return rows[0]!.id;
  }

  // A test that leaves an instance resyncing must not fail whichever test happens to run next.
  beforeEach(async () => {
    await eventually(async () => {
      for (const instance of [pair.a, pair.b]) expect((await stats(instance)).state).toBe('ready');
    }, 15_000);
  });

  it('shows every kind of API write made through A in B within a second', async () => {
    const { client, contact, ticket } = await owner();
    const other = await makeContact(pair.db.pool, client);
    const otherTicket = (await makeTicket(pair.db.pool, client, other.id)).id;
    await expectSeenBy([pair.b], ticket);
    await expectSeenBy([pair.b], otherTicket);

    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await pair.a.call('/api/assets', { method: 'POST', token: pair.techToken, json: assetBody(client, contact.id) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      expect((await expectSeenBy([pair.b], ticket)).assets[0]!.id).toBe(res.body.id);
    }
    const [first, second, third] = ids as [number, number, number];

    const rename = { hostname: `RENAMED-${second}` };
    const renamed = await pair.a.call(`/api/assets/${second}`, { method: 'PUT', token: pair.techToken, json: rename });
    expect(renamed.status).toBe(200);
    expect((await expectSeenBy([pair.b], ticket)).assets[1]).toMatchObject({ id: second, hostname: `RENAMED-${second}` });

    const moved = await pair.a.call(`/api/assets/${third}`, { method: 'PUT', token: pair.techToken, json: { contact_id: other.id } });
    expect(moved.status).toBe(200);
    expect((await expectSeenBy([pair.b], ticket)).assets.map((a) => a.id)).toEqual([second, first]);
    expect((await expectSeenBy([pair.b], otherTicket)).assets.map((a) => a.id)).toEqual([third]);

    expect((await pair.a.call(`/api/assets/${second}`, { method: 'DELETE', token: pair.techToken })).status).toBe(200);
    expect(await expectSeenBy([pair.b], ticket)).toMatchObject({ total_assets: 1, assets: [{ id: first }] });

    expect((await pair.a.call(`/api/assets/${first}/permanent`, { method: 'DELETE', token: pair.adminToken })).status).toBe(204);
    expect(await expectSeenBy([pair.b], ticket)).toEqual({ assets: [], contact_name: contact.name, total_assets: 0 });
  });

  it('shows an asset inserted, renamed and deleted in plain SQL on both instances', async () => {
    const { client, contact, ticket } = await owner();
    const id = await sqlAsset(client, contact.id);
    expect((await expectSeenBy([pair.a, pair.b], ticket)).assets.map((a) => a.id)).toEqual([id]);
    await pair.db.pool.query('UPDATE assets SET hostname = $2 WHERE id = $1', [id, `PLAIN-SQL-${id}`]);
    expect((await expectSeenBy([pair.a, pair.b], ticket)).assets[0]!.hostname).toBe(`PLAIN-SQL-${id}`);
    // The delete's notification carries the version both caches already hold: it must not be taken as old news.
    await pair.db.pool.query('DELETE FROM assets WHERE id = $1', [id]);
    expect(await expectSeenBy([pair.a, pair.b], ticket)).toMatchObject({ assets: [], total_assets: 0 });
  });

  it('follows a contact rename and a ticket moving to another contact, or to none', async () => {
    const { client, contact, ticket } = await owner();
    await sqlAsset(client, contact.id);
    const other = await makeContact(pair.db.pool, client);
    await sqlAsset(client, other.id);
    await sqlAsset(client, other.id);
    await expectSeenBy([pair.a, pair.b], ticket);

    await pair.db.pool.query('UPDATE contacts SET name = $2 WHERE id = $1', [contact.id, `Renamed ${contact.name}`]);
    expect((await expectSeenBy([pair.a, pair.b], ticket)).contact_name).toBe(`Renamed ${contact.name}`);

    await pair.db.pool.query('UPDATE tickets SET contact_id = $2 WHERE id = $1', [ticket, other.id]);
    expect(await expectSeenBy([pair.a, pair.b], ticket)).toMatchObject({ contact_name: other.name, total_assets: 2 });

    await pair.db.pool.query('UPDATE tickets SET contact_id = NULL WHERE id = $1', [ticket]);
    expect(await expectSeenBy([pair.a, pair.b], ticket)).toEqual({ assets: [], contact_name: null, total_assets: 0 });
  });

  it(`absorbs ${BURST_ROWS.toLocaleString('en')} updates in one transaction without re-warming`, async () => {
    const random = prng(41);
    const sample = new Set<number>();
    while (sample.size < 100) sample.add(1 + random(SEED.tickets));
    const before = await Promise.all([stats(pair.a), stats(pair.b)]);

    const burst = await pair.db.pool.query(`UPDATE assets SET hostname = hostname || '-burst' WHERE id <= $1`, [BURST_ROWS]);
    expect(burst.rowCount).toBe(BURST_ROWS);
    const expected = new Map<number, WidgetBody>();
    for (const ticket of sample) expected.set(ticket, await sqlWidget(pair.db, ticket));
    const changed = [...expected.values()].filter((w) => w.assets.some((a) => a.hostname.endsWith('-burst'))).length;
    expect(changed, 'sampled tickets whose widget the burst changed').toBeGreaterThanOrEqual(25);

    await eventually(async () => {
      const answers = await Promise.all(
        [...sample].map(async (ticket) => ({ ticket, b: await widget(pair.b, ticket), sql: expected.get(ticket) })),
      );
      const wrong = answers.filter((x) => !isDeepStrictEqual(x.b, x.sql));
      expect({ wrong: wrong.length, first: wrong.slice(0, 2) }).toEqual({ wrong: 0, first: [] });
    }, 10_000);

    const after = await Promise.all([stats(pair.a), stats(pair.b)]);
    for (const i of [0, 1]) expect(after[i]!.refreshes - before[i]!.refreshes, i ? 'B refreshes' : 'A refreshes').toBeLessThanOrEqual(1);
  });

  it('reconnects a killed LISTEN connection, resyncs what it missed, and reports ready again', async () => {
    const { client, contact, ticket } = await owner();
    const id = await sqlAsset(client, contact.id);
    await expectSeenBy([pair.a, pair.b], ticket);
    const before = await Promise.all([stats(pair.a), stats(pair.b)]);
    // Every state and /readyz status each instance showed from the kill until it was ready again.
    const seen = [new Set<string>(), new Set<string>()];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await Promise.all(
          [pair.a, pair.b].map(async (instance, i) => {
            seen[i]!.add((await stats(instance)).state);
            seen[i]!.add(`readyz ${(await instance.call('/readyz')).status}`);
          }),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    try {
      // Only this file's database: other files' services listen on the same server.
      const killed = await pair.db.pool.query<{ pid: number; terminated: boolean }>(
        `WITH listeners AS MATERIALIZED (
           SELECT pid FROM pg_stat_activity WHERE application_name = 'asset-cache-listen' AND datname = current_database())
         SELECT pid, pg_terminate_backend(pid) AS terminated FROM listeners`,
      );
      expect(killed.rows.map((r) => r.terminated), 'one LISTEN connection per instance').toEqual([true, true]);
      const pids = killed.rows.map((r) => r.pid);
      await eventually(async () => {
        const { rows } = await pair.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1)',
          [pids],
        );
        expect(rows[0]!.n).toBe(0);
      }, 2_000);
      // Sent while nobody listens: only the resync can bring it in.
      await pair.db.pool.query('UPDATE assets SET hostname = $2 WHERE id = $1', [id, `DURING-OUTAGE-${id}`]);

      await eventually(async () => {
        const now = await Promise.all([stats(pair.a), stats(pair.b)]);
        for (const i of [0, 1]) {
          expect(now[i]!.feed_reconnects).toBeGreaterThan(before[i]!.feed_reconnects);
          expect(now[i]!.state).toBe('ready');
        }
      }, 15_000);
    } finally {
      watching = false;
      await watcher;
    }
    // Both instances lost the feed at once; both stayed in the load balancer, since SQL answered all along.
    for (const states of seen) {
      expect([...states], 'degraded while resyncing').toContain('degraded');
      expect([...states], 'yet ready: SQL answers').not.toContain('readyz 503');
    }
    // Ready means resynced: the first answer must already be right, no polling.
    const expected = await sqlWidget(pair.db, ticket);
    expect(expected.assets[0]!.hostname).toBe(`DURING-OUTAGE-${id}`);
    for (const instance of [pair.a, pair.b]) {
      expect(await widget(instance, ticket), instance.url).toEqual(expected);
      expect((await instance.call('/readyz')).status).toBe(200);
    }

    await pair.db.pool.query('UPDATE assets SET hostname = $2 WHERE id = $1', [id, `AFTER-OUTAGE-${id}`]);
    expect((await expectSeenBy([pair.a, pair.b], ticket)).assets[0]!.hostname).toBe(`AFTER-OUTAGE-${id}`);
  });

  it('never lets a stale notification regress a row', async () => {
    const { client, contact, ticket } = await owner();
    const id = await sqlAsset(client, contact.id);
    await pair.db.pool.query('UPDATE assets SET hostname = $2 WHERE id = $1', [id, `NEWEST-${id}`]);
    const newest = await expectSeenBy([pair.a, pair.b], ticket);
    expect(newest.assets[0]!.hostname).toBe(`NEWEST-${id}`);

    const sentinel = await owner();
    const sentinelAsset = await sqlAsset(sentinel.client, sentinel.contact.id);
    await expectSeenBy([pair.a, pair.b], sentinel.ticket);

    await pair.db.pool.query(`SELECT pg_notify('awc_changes', json_build_object('t', 'a', 'op', 'u', 'id', $1::int, 'v', 1)::text)`, [id]);
    // One channel delivers in commit order: once this later change shows, the forged one has been handled.
    await pair.db.pool.query('UPDATE assets SET hostname = $2 WHERE id = $1', [sentinelAsset, `SENTINEL-${sentinelAsset}`]);
    await expectSeenBy([pair.a, pair.b], sentinel.ticket);
    for (const instance of [pair.a, pair.b]) expect(await widget(instance, ticket), instance.url).toEqual(newest);
  });
});
