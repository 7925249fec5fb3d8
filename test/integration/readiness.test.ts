import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTEN_APPLICATION_NAME } from '../../workers/change-feed';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

/**
 * A feed blip degrades the cache of every instance at once; while SQL answers, each can still answer the
 * widget correctly, so none leaves the load balancer. Here the cache is held degraded for as long as the test
 * wants: the LISTEN connection is killed while a lock keeps the resync's snapshot build waiting.
 */
describe('readiness with a degraded cache and a reachable database', () => {
  let t: TestService;
  let walkInTicket: number;

  beforeAll(async () => {
    // The LISTEN connection is what this test kills: the notify feed, as on servers without logical decoding.
    t = await startTestService({ CACHE_FEED: 'notify', CACHE_FEED_HEARTBEAT_MS: '200', CACHE_FEED_HEARTBEAT_TIMEOUT_MS: '400' }, async (db) => {
      const client = (await makeClient(db.pool)).id;
      await makeTicket(db.pool, client, (await makeContact(db.pool, client)).id);
      walkInTicket = (await makeTicket(db.pool, client, null)).id;
    });
  });
  afterAll(() => t?.stop());

  const readyz = () => t.call('/readyz');
  const metric = async (line: RegExp) => line.test((await t.call('/metrics')).body as string);

  it('stays ready (200), reports the degraded cache in the body and in metrics, and answers the widget from SQL', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', cache: 'ready', database: 'reachable' } });
    expect(await metric(/^asset_cache_state\{state="ready"\} 1$/m)).toBe(true);

    const locker = new pg.Client(t.db.url);
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE assets IN ACCESS EXCLUSIVE MODE');
      const killed = await locker.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [
        LISTEN_APPLICATION_NAME,
      ]);
      expect(killed.rowCount).toBe(1);
      await expect.poll(() => t.service.cache.state, { timeout: 5_000, interval: 20 }).toBe('degraded');

      for (let i = 0; i < 3; i++) {
        expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', cache: 'degraded', database: 'reachable' } });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(t.service.cache.state).toBe('degraded');
      expect(await metric(/^asset_cache_state\{state="degraded"\} 1$/m)).toBe(true);
      expect(await metric(/^asset_cache_state\{state="ready"\} 0$/m)).toBe(true);
      expect(await metric(/^asset_cache_ready 0$/m)).toBe(true);
      // The tickets table is not locked: the widget answers from SQL and says so.
      const walkIn = await t.call(`/api/assets/widget/${walkInTicket}`, { token: t.techToken });
      expect(walkIn).toMatchObject({ status: 200, body: { assets: [], contact_name: null, total_assets: 0 } });
      expect(walkIn.headers.get('cache-status')).toBe('asset-cache; fwd=miss');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    await expect.poll(() => t.service.cache.state, { timeout: 10_000, interval: 50 }).toBe('ready');
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', cache: 'ready', database: 'reachable' } });
  });
});
