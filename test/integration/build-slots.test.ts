import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase } from '../../src/db/seed';
import { tryBuildSlot } from '../../workers/sql/snapshot';
import { startTestService, type TestService } from '../helpers/test-service';

interface Stats {
  state: string;
  hits: number;
  refreshes: number;
}

describe('CACHE_MAX_CONCURRENT_BUILDS: a refresh waits for a free build slot, serving its snapshot meanwhile', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService({ CACHE_MAX_CONCURRENT_BUILDS: '1' }, async (db) => {
      const client = await db.pool.connect();
      try {
        await seedDatabase(client, { contacts: 50, tickets: 80, assets: 300 });
      } finally {
        client.release();
      }
    });
  });
  afterAll(() => t.stop());

  it('does not build while another instance holds the only slot, and builds once it is free', async () => {
    const stats = async () => (await t.call('/api/assets/cache/stats', { token: t.techToken })).body as Stats;
    const before = await stats();
    expect(before).toMatchObject({ state: 'ready', refreshes: 1 });
    // Another instance building: it holds the only slot.
    const other = new pg.Client(t.db.url);
    await other.connect();
    try {
      expect((await other.query<{ ok: boolean }>(tryBuildSlot(0))).rows[0]!.ok).toBe(true);
      let refreshed = false;
      const refresh = t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken }).then((res) => {
        refreshed = true;
        return res;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(refreshed).toBe(false);
      // Still answered from the current snapshot while waiting.
      expect((await t.call('/api/assets/widget/1', { token: t.techToken })).status).toBe(200);
      expect(await stats()).toMatchObject({ state: 'ready', refreshes: 1, hits: before.hits + 1 });
      await other.query('SELECT pg_advisory_unlock_all()');
      expect((await refresh).status).toBe(200);
      expect((await stats()).refreshes).toBe(2);
    } finally {
      await other.end();
    }
  });
});
