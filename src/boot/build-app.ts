import type Koa from 'koa';
import type pg from 'pg';
import { createApp } from '../app';
import type { LoginLimiter } from '../auth/login-limiter';
import type { CacheClient } from '../cache/cache-client';
import type { Config } from '../config';
import { ping } from '../db/pool';
import type { AppState } from '../http/context';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { createReadiness } from '../readiness';
import { AssetService } from '../services/asset-service';
import type { AuthService } from '../services/auth-service';
import { ContactAssetsService } from '../services/contact-assets-service';
import { TicketService } from '../services/ticket-service';
import { WidgetService } from '../services/widget-service';
import { WidgetStreams } from '../services/widget-streams';

export interface AppParts {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  cache: CacheClient;
  metrics: Metrics;
  auth: AuthService;
  loginLimiter: LoginLimiter;
  /** Readiness turns false as soon as a shutdown begins. */
  shuttingDown: () => boolean;
}

/** The services over the pool and the cache, and the Koa app over the services; `streams` for the shutdown. */
export function buildApp(parts: AppParts): { app: Koa<AppState>; streams: WidgetStreams } {
  const { config, logger, pool, cache, metrics } = parts;
  const assets = new AssetService({
    pool,
    // Applied before the response goes out, so the writer's next widget call shows the change.
    onWrite: (write) =>
      cache.applyWrites([write]).catch((err: unknown) => {
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
    auth: parts.auth,
    loginLimiter: parts.loginLimiter,
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
    readiness: createReadiness({ cacheState: () => cache.state, pingDatabase: () => ping(pool), shuttingDown: parts.shuttingDown }),
  });
  return { app, streams };
}
