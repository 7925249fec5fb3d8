import { describe, expect, it } from 'vitest';
import type { CacheState } from '../../src/cache/protocol';
import { createReadiness } from '../../src/readiness';

const up = () => Promise.resolve();
const down = () => Promise.reject(new Error('ECONNREFUSED'));
const hangs = () => new Promise<never>(() => undefined);

function readiness(cache: CacheState, ping: () => Promise<unknown>, shuttingDown = false) {
  return createReadiness({ cacheState: () => cache, pingDatabase: ping, shuttingDown: () => shuttingDown, pingTimeoutMs: 50 }).check();
}

describe('readiness: can the instance answer the widget correctly now', () => {
  it('is ready whenever SQL answers, whatever the cache state, and says which state', async () => {
    for (const cache of ['cold', 'warming', 'ready', 'degraded'] as const) {
      expect(await readiness(cache, up)).toEqual({ ready: true, cache, database: 'reachable' });
    }
  });

  it('is ready on a ready cache with the database down', async () => {
    expect(await readiness('ready', down)).toEqual({ ready: true, cache: 'ready', database: 'unreachable' });
  });

  it('is not ready with the database down and the cache not ready', async () => {
    for (const cache of ['cold', 'warming', 'degraded'] as const) {
      expect(await readiness(cache, down)).toEqual({
        ready: false,
        reason: `database unreachable and asset cache ${cache}`,
        cache,
        database: 'unreachable',
      });
    }
  });

  it('counts a database that does not answer in time as unreachable, without waiting for it', async () => {
    const started = performance.now();
    expect(await readiness('degraded', hangs)).toMatchObject({ ready: false, database: 'unreachable' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('is not ready while shutting down', async () => {
    expect(await readiness('ready', up, true)).toEqual({ ready: false, reason: 'shutting down', cache: 'ready', database: 'reachable' });
  });
});
