import type Koa from 'koa';
import type pg from 'pg';
import { credentialFeedFor, createAuth, startLoginLimiter } from './boot/auth';
import { buildApp } from './boot/build-app';
import { createCache, warmCache } from './boot/cache';
import { ensureDemoData, type DemoStart } from './boot/demo-data';
import { closeServer, listen } from './boot/listen';
import { migrateDatabase, openPool } from './boot/open-database';
import { stopParts, type StartedParts } from './boot/started-parts';
import type { CacheClient } from './cache/cache-client';
import type { Config } from './config';
import { resolveDatabase, type ResolvedDatabase } from './db/resolve-database';
import type { AppState } from './http/context';
import type { Logger } from './logger';
import { Metrics } from './metrics';

export interface RunningService {
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  database: ResolvedDatabase;
  pool: pg.Pool;
  cache: CacheClient;
  /** The Koa app behind the listener: its routers are what the route-guard test walks. */
  app: Koa<AppState>;
  /** Set for the embedded quick start: whether demo data and demo users were created now (see demo-data.ts). */
  demo?: DemoStart;
  /** Ordered shutdown: stop accepting, drain in-flight requests, close pools, stop an embedded database. */
  stop(): Promise<void>;
}

/**
 * Starts every part of the service in dependency order (the steps are in boot/); main.ts and the integration
 * tests both use it. A failed step stops what the earlier ones started.
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const database = await resolveDatabase(config, logger);
  const parts: StartedParts = { database, pool: openPool(config, database.url, logger) };
  const { pool } = parts;
  let shuttingDown = false;
  try {
    await migrateDatabase(pool, logger);
    // Demo rows go in before the cache warms, so the first snapshot already holds them.
    const demo = database.embedded ? await ensureDemoData(pool) : undefined;
    const metrics = new Metrics(logger);
    const cache = createCache(config, database.url, metrics, logger);
    parts.cache = cache;
    await warmCache(cache, config, logger);
    const auth = createAuth(config, pool);
    parts.credentialFeed = credentialFeedFor(config, database.url, auth, logger);
    await parts.credentialFeed?.start();
    const loginLimiter = startLoginLimiter(config, pool, logger);
    parts.loginLimiter = loginLimiter;
    const { app, streams } = buildApp({ config, logger, pool, cache, metrics, auth, loginLimiter, shuttingDown: () => shuttingDown });
    const { server, url } = await listen(app, config, () => shuttingDown, logger);
    const stop = async () => {
      shuttingDown = true;
      // Live widgets first: their clients reconnect at once, to a sibling instance, and lose no change.
      streams.closeAll();
      await closeServer(server, config, database.embedded);
      await stopParts(parts);
    };
    return { url, database, pool, cache, app, demo, stop };
  } catch (err) {
    await stopParts(parts, true);
    throw err;
  }
}
