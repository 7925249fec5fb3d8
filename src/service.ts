import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type pg from 'pg';
import { createApp } from './app';
import { CredentialFeed } from './auth/credential-feed';
import { LoginLimiter } from './auth/login-limiter';
import { CacheClient } from './cache/cache-client';
import { toCacheWrite } from './cache/cache-writes';
import type { LookupTimer } from './cache/lookup-channel';
import { LOOKUP_CONTACT } from './cache/protocol';
import { Metrics } from './metrics';
import type { AppState } from './http/context';
import type { Config } from './config';
import { ensureDemoData, type DemoStart } from './db/demo-data';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { resolveDatabase, type ResolvedDatabase } from './db/resolve-database';
import type { Logger } from './logger';
import { projectPath } from './paths';
import { createReadiness } from './readiness';
import { AssetService } from './services/asset-service';
import { AuthService } from './services/auth-service';
import { TicketService } from './services/ticket-service';
import { ContactAssetsService } from './services/contact-assets-service';
import { WidgetService } from './services/widget-service';
import { WidgetStreams } from './services/widget-streams';

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

/** Starts every part of the service in dependency order; main.ts and the integration tests both use it. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const database = await resolveDatabase(config, logger);
  const pool = createPool(
    {
      connectionString: database.url,
      max: config.PG_POOL_MAX,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
      applicationName: 'asset-widget-cache',
    },
    logger.child({ component: 'db' }),
  );
  let shuttingDown = false;
  let cacheToStop: CacheClient | undefined;
  let feedToStop: CredentialFeed | undefined;
  let limiterToStop: LoginLimiter | undefined;
  try {
    const client = await pool.connect();
    try {
      await migrate(client, logger.child({ component: 'migrate' }));
    } finally {
      client.release();
    }
    // Demo rows go in before the cache warms, so the first snapshot already holds them.
    const demo = database.embedded ? await ensureDemoData(pool) : undefined;
    const metrics = new Metrics(logger);
    const cache = createCacheClient(config, database.url, logger, (kind, seconds) =>
      metrics.rpcDuration.observe({ kind: kind === LOOKUP_CONTACT ? 'contact' : 'ticket' }, seconds),
    );
    metrics.registerCache(cache);
    metrics.registerFreshness(cache);
    cacheToStop = cache;
    const cacheState = await cache.start(config.CACHE_WARM_TIMEOUT_MS);
    if (cacheState !== 'ready') logger.warn({ event: 'cache.not_ready', state: cacheState }, 'serving widget from SQL until the cache is warm');
    const auth = new AuthService({
      pool,
      cacheTtlSeconds: config.AUTH_CACHE_TTL,
      sessionTtlHours: config.SESSION_TTL_HOURS,
      outageGraceSeconds: config.AUTH_OUTAGE_GRACE_SECONDS ?? config.CACHE_GRACE_SECONDS,
    });
    // Credentials are cached only while this feed listens (none are cached with AUTH_CACHE_TTL=0: no feed).
    const credentialFeed =
      config.AUTH_CACHE_TTL > 0
        ? new CredentialFeed(
            {
              databaseUrl: database.url,
              heartbeatMs: config.CACHE_FEED_HEARTBEAT_MS,
              heartbeatTimeoutMs: config.CACHE_FEED_HEARTBEAT_TIMEOUT_MS,
              logger: logger.child({ component: 'auth-feed' }),
            },
            auth,
          )
        : undefined;
    feedToStop = credentialFeed;
    await credentialFeed?.start();
    const loginLimiter = new LoginLimiter(
      pool,
      {
        perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
        windowMs: config.LOGIN_WINDOW_SECONDS * 1000,
      },
      logger.child({ component: 'login-limiter' }),
    );
    loginLimiter.startCleanup();
    limiterToStop = loginLimiter;
    const assets = new AssetService({
      pool,
      // Applied before the response goes out, so the writer's next widget call shows the change.
      onWrite: (write) =>
        cache.applyWrites([toCacheWrite(write)]).catch((err: unknown) => {
          logger.warn({ err, event: 'cache.apply_failed' }, 'write not applied to the cache');
        }),
    });
    const widget = new WidgetService({ pool, cache, cacheTickets: config.CACHE_TICKETS, onAnswer: (source) => metrics.widgetAnswers.inc({ cache: source }) });
    const streams = new WidgetStreams(widget, cache, {
      max: config.WIDGET_STREAMS_MAX,
      heartbeatMs: config.WIDGET_STREAM_HEARTBEAT_MS,
      logger: logger.child({ component: 'widget-streams' }),
    });
    const app = createApp({
      logger,
      auth,
      loginLimiter,
      assets,
      widget,
      streams,
      tickets: new TicketService(pool),
      contacts: new ContactAssetsService({ pool, cache }),
      linkTemplates: { screenconnect: config.SCREENCONNECT_URL_TEMPLATE ?? null, pdq: config.PDQ_URL_TEMPLATE ?? null },
      cache,
      bodyLimit: config.BODY_LIMIT,
      requireIfMatch: config.REQUIRE_IF_MATCH,
      sessionTtlHours: config.SESSION_TTL_HOURS,
      secureCookies: config.COOKIE_SECURE,
      trustProxy: config.TRUST_PROXY,
      benchRoutes: config.BENCH_ROUTES,
      corsOrigins: config.CORS_ORIGINS,
      metrics,
      readiness: createReadiness({
        cacheState: () => cache.state,
        pingDatabase: () => pool.query('SELECT 1'),
        shuttingDown: () => shuttingDown,
      }),
    });
    const handler = app.callback();
    const server = http.createServer(
      // Node checks request and header deadlines on this interval (30 s by default), which would double them.
      { requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS, headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      (req, res) => {
        if (shuttingDown) res.setHeader('Connection', 'close');
        void handler(req, res);
      },
    );
    server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    logger.info({ event: 'http.listen', url }, 'listening');

    const stop = async () => {
      shuttingDown = true;
      // Live widgets first: their clients reconnect at once, to a sibling instance, and lose no change.
      streams.closeAll();
      // Keep serving for a moment, answering with `Connection: close`, so keep-alive clients reconnect (to a
      // sibling instance) instead of finding their socket closed under a request they just sent. The grace
      // outlasts the 5 s keep-alive timeout: a socket idle all that time has been dropped by its client.
      // The embedded quick start is one process with no sibling to move to, so it stops at once.
      await new Promise((r) => setTimeout(r, database.embedded ? 0 : config.SHUTDOWN_GRACE_MS));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await cache.stop();
      loginLimiter.stopCleanup();
      await credentialFeed?.stop();
      await pool.end();
      await database.stop();
    };
    return { url, database, pool, cache, app, demo, stop };
  } catch (err) {
    await cacheToStop?.stop().catch(() => undefined);
    limiterToStop?.stopCleanup();
    await feedToStop?.stop().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw err;
  }
}

function createCacheClient(config: Config, databaseUrl: string, logger: Logger, lookupTimer: LookupTimer): CacheClient {
  return new CacheClient({
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
    lookupTimer,
    resourceLimits: config.CACHE_WORKER_MAX_HEAP_MB > 0 ? { maxOldGenerationSizeMb: config.CACHE_WORKER_MAX_HEAP_MB } : undefined,
  });
}
