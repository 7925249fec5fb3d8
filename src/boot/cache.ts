import { CacheClient } from '../cache/cache-client';
import { LOOKUP_CONTACT } from '../cache/protocol';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { projectPath } from '../paths';

/** The client of the cache worker (not started yet), with its lookups, state and freshness in the metrics. */
export function createCache(config: Config, databaseUrl: string, metrics: Metrics, logger: Logger): CacheClient {
  const cache = new CacheClient({
    workerFile: projectPath('dist', 'workers', 'cache-worker.js'),
    worker: {
      databaseUrl,
      ttlSeconds: config.ASSET_CACHE_TTL,
      slowLookupMs: config.CACHE_SLOW_LOOKUP_MS,
      buildTaskFile: projectPath('dist', 'workers', 'build-snapshot.task.js'),
      buildThread: config.CACHE_BUILD_THREAD,
      maxConcurrentBuilds: config.CACHE_MAX_CONCURRENT_BUILDS,
      buildJitterMs: config.CACHE_BUILD_JITTER_MS,
      heartbeatMs: config.CACHE_FEED_HEARTBEAT_MS,
      heartbeatTimeoutMs: config.CACHE_FEED_HEARTBEAT_TIMEOUT_MS,
      feedRetryMs: config.CACHE_FEED_RETRY_MS,
      auditPerMinute: config.CACHE_AUDIT_PER_MINUTE,
      graceSeconds: config.CACHE_GRACE_SECONDS,
      feedMode: config.CACHE_FEED,
      logLevel: config.LOG_LEVEL,
    },
    logger: logger.child({ component: 'cache' }),
    lookupTimeoutMs: config.CACHE_LOOKUP_TIMEOUT_MS,
    callTimeoutMs: config.CACHE_CALL_TIMEOUT_MS,
    lookupTimer: (kind, seconds) => metrics.rpcDuration.observe({ kind: kind === LOOKUP_CONTACT ? 'contact' : 'ticket' }, seconds),
    resourceLimits: config.CACHE_WORKER_MAX_HEAP_MB > 0 ? { maxOldGenerationSizeMb: config.CACHE_WORKER_MAX_HEAP_MB } : undefined,
  });
  metrics.registerCache(cache);
  metrics.registerFreshness(cache);
  return cache;
}

/** Starts the worker and waits up to CACHE_WARM_TIMEOUT_MS for its first snapshot; the service starts either way. */
export async function warmCache(cache: CacheClient, config: Config, logger: Logger): Promise<void> {
  const state = await cache.start(config.CACHE_WARM_TIMEOUT_MS);
  if (state !== 'ready') logger.warn({ event: 'cache.not_ready', state }, 'serving widget from SQL until the cache is warm');
}
