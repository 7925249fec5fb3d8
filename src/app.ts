import Koa from 'koa';
import type { LoginLimiter } from './auth/login-limiter';
import type { Logger } from './logger';
import type { AppState } from './http/context';
import { apiNotFound } from './http/middleware/api-not-found';
import { authenticate } from './http/middleware/authenticate';
import { cors } from './http/middleware/cors';
import { errorHandler } from './http/middleware/error-handler';
import { securityHeaders } from './http/middleware/security-headers';
import { httpMetrics } from './http/middleware/http-metrics';
import type { Metrics } from './metrics';
import { requestContext } from './http/middleware/request-context';
import { staticFiles } from './http/middleware/static-files';
import { assetRoutes } from './http/routes/assets/asset-routes';
import { authRoutes } from './http/routes/auth-routes';
import { benchRoutes } from './http/routes/bench-routes';
import { healthRoutes, type Readiness } from './http/routes/health-routes';
import { openApiRoutes } from './http/routes/openapi-routes';
import { ticketRoutes } from './http/routes/ticket-routes';
import { contactRoutes } from './http/routes/contact-routes';
import type { ContactAssetsService } from './services/contact-assets-service';
import { uiRoutes, type LinkTemplates } from './http/routes/ui-routes';
import { projectPath } from './paths';
import type { AssetService } from './services/asset-service';
import type { AuthService } from './services/auth-service';
import type { CacheClient } from './cache/cache-client';
import type { TicketService } from './services/ticket-service';
import { widgetRoutes } from './http/routes/widget-routes';
import type { WidgetService } from './services/widget-service';
import type { WidgetStreams } from './services/widget-streams';

export interface AppDeps {
  logger: Logger;
  auth: AuthService;
  loginLimiter: LoginLimiter;
  assets: AssetService;
  widget: WidgetService;
  streams: WidgetStreams;
  tickets: TicketService;
  contacts: ContactAssetsService;
  /** The widget's ScreenConnect and PDQ link templates (SCREENCONNECT_URL_TEMPLATE, PDQ_URL_TEMPLATE). */
  linkTemplates: LinkTemplates;
  cache: CacheClient;
  readiness: Readiness;
  metrics: Metrics;
  bodyLimit: number;
  /** Asset writes must carry If-Match (REQUIRE_IF_MATCH). */
  requireIfMatch: boolean;
  sessionTtlHours: number;
  secureCookies: boolean;
  /** Origins allowed to read the API from a browser (CORS_ORIGINS); empty = CORS closed. */
  corsOrigins: readonly string[];
  /** Mount the load-test peers (BENCH_ROUTES). */
  benchRoutes: boolean;
  /** TRUST_PROXY: behind one reverse proxy, the client address is the last X-Forwarded-For entry (the one it added). */
  trustProxy: boolean;
}

/** Builds the Koa app without listening, so tests and main.ts start it the same way. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: deps.trustProxy, maxIpsCount: 1 });
  app.silent = true;
  // Koa reports here what happens outside the middleware chain (a failing response stream, a socket error).
  // After the headers went out it is usually a client that hung up mid-answer: a warning, not an error.
  app.on('error', (err: Error & { headerSent?: boolean }) => {
    const level = err.headerSent ? 'warn' : 'error';
    deps.logger[level]({ err, event: 'http.koa_error' }, 'HTTP error outside the middleware chain');
  });
  app.use(httpMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  app.use(securityHeaders({ hsts: deps.secureCookies }));
  app.use(cors(deps.corsOrigins));
  app.use(errorHandler());
  // The demo pages and the <asset-widget> component (web/widget/asset-widget.js → /widget/asset-widget.js).
  app.use(staticFiles(projectPath('web')));

  const auth = authenticate(deps.auth);
  const bench = deps.benchRoutes ? benchRoutes(deps.widget, auth) : undefined;
  // Each protected router carries `authenticate` as its own first layer (routes/router.ts); no prefix check.
  const routers = [
    ...(bench ? [bench.open, bench.authenticated] : []),
    healthRoutes(deps.readiness, deps.metrics),
    openApiRoutes({ benchRoutes: deps.benchRoutes }),
    authRoutes({
      auth: deps.auth,
      limiter: deps.loginLimiter,
      bodyLimit: deps.bodyLimit,
      sessionTtlHours: deps.sessionTtlHours,
      secureCookies: deps.secureCookies,
    }),
    widgetRoutes(deps.widget, deps.streams, deps.cache, auth),
    assetRoutes(deps.assets, deps.bodyLimit, deps.requireIfMatch, auth),
    ticketRoutes(deps.tickets, auth),
    contactRoutes(deps.contacts, auth),
    uiRoutes(deps.linkTemplates, auth),
  ];
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods({ throw: true }));
  app.use(apiNotFound(auth));
  return app;
}
