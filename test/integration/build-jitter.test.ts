import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheState } from '../../src/cache/protocol';
import { seedDatabase } from '../../src/db/seed';
import { createLogger } from '../../src/logger';
import { AssetCache } from '../../workers/asset-cache';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const JITTER_MS = 3_000;
// The random source at its top: a jittered build waits (almost) the whole CACHE_BUILD_JITTER_MS.
const ALMOST_ONE = 0.999;

describe('CACHE_BUILD_JITTER_MS: resync and TTL builds wait a random 0..jitter first, startup and manual ones do not', () => {
  let db: TestDatabase;
  let cache: AssetCache;
  let startupMs: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = await db.pool.connect();
    try {
      await seedDatabase(client, { contacts: 20, tickets: 30, assets: 100 });
    } finally {
      client.release();
    }
    const options = {
      databaseUrl: db.url, ttlSeconds: 0, slowLookupMs: 100, buildTaskFile: '', buildThread: false, maxConcurrentBuilds: 0,
      buildJitterMs: JITTER_MS, heartbeatMs: 60_000, heartbeatTimeoutMs: 60_000, feedRetryMs: 5_000, auditPerMinute: 0,
      graceSeconds: 0, feedMode: 'notify', logLevel: 'silent',
    } as const;
    const started = performance.now();
    const ready = new Promise<void>((resolve) => {
      cache = new AssetCache(options, createLogger('silent'), (state: CacheState) => state === 'ready' && resolve(), undefined, () => ALMOST_ONE);
    });
    cache.start();
    await ready;
    startupMs = performance.now() - started;
  });
  afterAll(async () => {
    await cache.close();
    await db.drop();
  });

  const timed = async (reason: string) => {
    const started = performance.now();
    await cache.refresh(reason);
    return performance.now() - started;
  };

  it('startup and a manual refresh build at once', async () => {
    expect(startupMs).toBeLessThan(JITTER_MS * ALMOST_ONE);
    expect(await timed('manual')).toBeLessThan(JITTER_MS * ALMOST_ONE);
  });

  it.each(['resync', 'ttl'])('a %s build waits the random share of the jitter first', async (reason) => {
    expect(await timed(reason)).toBeGreaterThanOrEqual(JITTER_MS * ALMOST_ONE - 5);
  });
});
