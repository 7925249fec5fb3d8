import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheClient } from '../../src/cache/cache-client';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

const CONTACTS = 40;

/** Reaches the worker thread the way a crash would: there is no API to kill it, on purpose. */
function workerOf(cache: CacheClient): Worker {
  return (cache as unknown as { worker: Worker }).worker;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the cache under refresh and worker failure', () => {
  let t: TestService;
  const tickets: number[] = [];

  beforeAll(async () => {
    t = await startTestService({}, async (db) => {
      const client = (await makeClient(db.pool)).id;
      for (let i = 0; i < CONTACTS; i++) {
        const contact = await makeContact(db.pool, client);
        tickets.push((await makeTicket(db.pool, client, contact.id)).id);
        await db.pool.query(
          `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, created_at)
           SELECT 'GEN-A-' || g, $1, $2, '2024-01-01', now() - g * interval '1 day' FROM generate_series(1, 3) g`,
          [client, contact.id],
        );
      }
    });
  });
  afterAll(() => t.stop());

  const widget = (ticket: number) => t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });

  it('answers every lookup during refreshes from one whole snapshot: once the new one shows, the old never returns', async () => {
    // Change every row behind the cache's back; only a refresh can reveal it.
    await t.db.pool.query(`UPDATE assets SET hostname = replace(hostname, 'GEN-A-', 'GEN-B-')`);
    let sawNew = false;
    let errors = 0;
    let regressions = 0;
    const hammer = async () => {
      for (let i = 0; i < 60; i++) {
        const res = await widget(tickets[i % tickets.length]!);
        if (res.status !== 200) errors++;
        const generations = new Set(res.body.assets.map((a: { hostname: string }) => a.hostname.slice(0, 6)));
        expect(generations.size).toBe(1);
        const isNew = generations.has('GEN-B-');
        if (sawNew && !isNew) regressions++;
        if (isNew) sawNew = true;
      }
    };
    const refreshes = Promise.all([1, 2, 3].map(() => t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken })));
    await Promise.all([hammer(), refreshes]);
    expect((await refreshes).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(errors).toBe(0);
    expect(regressions).toBe(0);
    expect((await widget(tickets[0]!)).body.assets[0].hostname).toMatch(/^GEN-B-/);
  });

  it('loses no request when the worker dies mid-traffic, and comes back warm', async () => {
    const before = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    const statuses: number[] = [];
    const traffic = (async () => {
      for (let i = 0; i < 150; i++) statuses.push((await widget(tickets[i % tickets.length]!)).status);
    })();
    await new Promise((r) => setTimeout(r, 30));
    await workerOf(t.service.cache).terminate();
    await traffic;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    await waitFor(async () => t.service.cache.state === 'ready');
    const after = (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    expect(after.worker_restarts).toBe(before.worker_restarts + 1);
    expect(after.misses).toBeGreaterThan(before.misses);
    expect(after.size).toBe(CONTACTS * 3);
    expect((await widget(tickets[1]!)).body.total_assets).toBe(3);
  });

  it('fails control calls in flight at once when the worker exits, instead of leaving them pending', async () => {
    await waitFor(async () => t.service.cache.state === 'ready');
    const refresh = t.call('/api/assets/cache/refresh', { method: 'POST', token: t.adminToken });
    await new Promise((r) => setTimeout(r, 5));
    await workerOf(t.service.cache).terminate();
    const res = await refresh;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('CACHE_UNAVAILABLE');
    await waitFor(async () => t.service.cache.state === 'ready');
  });
});
