import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';
import { disableChangeNotifications, widgetTruth, type WidgetBody } from '../helpers/widget-truth';

/**
 * The paths that keep the cache true besides the change feed, each with the feed silenced (the notify
 * triggers are off in this file's database), so that the path under test is the only way a change can reach
 * the widget: a manual refresh, the TTL, and an API write applied before its answer goes out.
 */

interface Owner {
  client: number;
  contact: number;
  ticket: number;
}

async function makeOwner(t: Pick<TestService, 'db'>, name: string): Promise<Owner> {
  const client = (await makeClient(t.db.pool)).id;
  const contact = (await makeContact(t.db.pool, client, name)).id;
  return { client, contact, ticket: (await makeTicket(t.db.pool, client, contact)).id };
}

async function insertAssets(t: Pick<TestService, 'db'>, owner: Owner, hostnames: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, hostname] of hostnames.entries()) {
    const { rows } = await t.db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, created_at)
       VALUES ($1, $2, $3, '2024-01-01', '2025-01-01T00:00:00Z'::timestamptz + make_interval(days => $4)) RETURNING id`,
      [hostname, owner.client, owner.contact, i],
    );
    ids.push(rows[0]!.id);
  }
  return ids;
}

const widget = async (t: TestService, ticket: number) => {
  const res = await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });
  expect(res.status).toBe(200);
  return { body: res.body as WidgetBody, cacheStatus: res.headers.get('cache-status') };
};
const hostnames = (body: WidgetBody) => body.assets.map((a) => a.hostname);

describe('with the change feed silenced (TTL off)', () => {
  let t: TestService;
  let swap: Owner;
  let swapAssets: number[];
  let rw: Owner;
  let rwAssets: number[];

  beforeAll(async () => {
    // The notify feed, whose triggers these tests switch off; the WAL feed has its own tests (wal-feed).
    t = await startTestService({ CACHE_FEED: 'notify' }, async (db) => {
      swap = await makeOwner({ db }, 'Swap Before');
      swapAssets = await insertAssets({ db }, swap, ['SWAP-OLD-1', 'SWAP-OLD-2']);
      rw = await makeOwner({ db }, 'Read Your Writes');
      rwAssets = await insertAssets({ db }, rw, ['RW-1', 'RW-2', 'RW-3']);
    });
    // After the start: a notify-mode start enables the triggers (a WAL leader may have disabled them).
    await disableChangeNotifications(t.db.pool);
  });
  afterAll(() => t?.stop());

  it('shows a change made without a notification only after a manual refresh swaps the snapshot in', async () => {
    await t.db.pool.query(`UPDATE assets SET hostname = replace(hostname, 'OLD', 'NEW') WHERE id = ANY($1)`, [swapAssets]);
    await t.db.pool.query(`UPDATE contacts SET name = 'Swap After' WHERE id = $1`, [swap.contact]);
    // The precondition: nothing else brings the change in (no notification, no TTL).
    await new Promise((r) => setTimeout(r, 300));
    const before = await widget(t, swap.ticket);
    expect(before.cacheStatus).toBe('asset-cache; hit');
    expect(hostnames(before.body)).toEqual(['SWAP-OLD-2', 'SWAP-OLD-1']);
    expect(before.body.contact_name).toBe('Swap Before');

    const refresh = await t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken });
    expect(refresh.status).toBe(200);

    const after = await widget(t, swap.ticket);
    expect(after.cacheStatus).toBe('asset-cache; hit');
    expect(after.body).toEqual(await widgetTruth(t.db.pool, swap.ticket));
    expect(hostnames(after.body)).toEqual(['SWAP-NEW-2', 'SWAP-NEW-1']);
    expect(after.body.contact_name).toBe('Swap After');
  });

  it('shows an API write on the same instance in the very next widget answer (read-your-writes), status changes included', async () => {
    const expectNow = async (names: string[], total: number) => {
      const now = await widget(t, rw.ticket);
      expect(now.cacheStatus).toBe('asset-cache; hit');
      expect(now.body).toEqual(await widgetTruth(t.db.pool, rw.ticket));
      expect(hostnames(now.body)).toEqual(names);
      expect(now.body.total_assets).toBe(total);
    };
    const put = async (id: number, json: Record<string, unknown>) =>
      expect((await t.call(`/api/assets/${id}`, { method: 'PUT', token: t.techToken, json })).status).toBe(200);
    await expectNow(['RW-3', 'RW-2'], 3);

    await put(rwAssets[2]!, { hostname: 'RW-3-RENAMED' });
    await expectNow(['RW-3-RENAMED', 'RW-2'], 3);
    // A status other than active drops the asset at once; back to active brings it back.
    await put(rwAssets[2]!, { status: 'in_repair' });
    await expectNow(['RW-2', 'RW-1'], 2);
    await put(rwAssets[1]!, { status: 'inactive' });
    await expectNow(['RW-1'], 1);
    await put(rwAssets[2]!, { status: 'active' });
    await expectNow(['RW-3-RENAMED', 'RW-1'], 2);
    // Retire (DELETE), create, move to another contact.
    expect((await t.call(`/api/assets/${rwAssets[0]!}`, { method: 'DELETE', token: t.techToken })).status).toBe(200);
    await expectNow(['RW-3-RENAMED'], 1);
    const created = await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(rw.client, rw.contact, { hostname: 'RW-NEW' }) });
    expect(created.status).toBe(201);
    await expectNow(['RW-NEW', 'RW-3-RENAMED'], 2);
    await put(created.body.id, { contact_id: swap.contact, client_id: swap.client });
    await expectNow(['RW-3-RENAMED'], 1);
  });
});

describe('with the change feed silenced and ASSET_CACHE_TTL=1', () => {
  let t: TestService;
  let owner: Owner;
  let assets: number[];

  beforeAll(async () => {
    // No jitter before the TTL build, and no audit: its repair by re-read would show the new row without one.
    t = await startTestService({ ASSET_CACHE_TTL: '1', CACHE_FEED: 'notify', CACHE_BUILD_JITTER_MS: '0', CACHE_AUDIT_PER_MINUTE: '0' }, async (db) => {
      owner = await makeOwner({ db }, 'Ttl Contact');
      assets = await insertAssets({ db }, owner, ['TTL-OLD']);
    });
    // After the start: a notify-mode start enables the triggers (a WAL leader may have disabled them).
    await disableChangeNotifications(t.db.pool);
  });
  afterAll(() => t?.stop());

  it('refreshes in the background once the TTL has passed, answering from the old snapshot meanwhile', async () => {
    const before = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    await t.db.pool.query(`UPDATE assets SET hostname = 'TTL-NEW' WHERE id = $1`, [assets[0]]);
    // The first answer after the change is the old snapshot's: the feed is silent, and an expired cache
    // answers first and refreshes after.
    const first = await widget(t, owner.ticket);
    expect(hostnames(first.body)).toEqual(['TTL-OLD']);
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          const now = await widget(t, owner.ticket);
          expect(now.cacheStatus).toBe('asset-cache; hit');
          seen.push(hostnames(now.body)[0]!);
          return seen.at(-1);
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe('TTL-NEW');
    const after = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    expect(after.refreshes).toBeGreaterThan(before.refreshes);
    expect(after.misses).toBe(before.misses);
  });
});
