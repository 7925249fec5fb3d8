import Koa from 'koa';
import type { LoginLimiter } from './auth/login-limiter';
import type { Logger } from './logger';
import type { AppState } from './http/context';
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
import { ticketRoutes } from './http/routes/ticket-routes';
import { uiRoutes, type LinkTemplates } from './http/routes/ui-routes';
import { projectPath } from './paths';
import type { AssetService } from './services/asset-service';
import type { AuthService } from './services/auth-service';
import type { CacheClient } from './cache/cache-client';
import type { TicketService } from './services/ticket-service';
import { widgetRoutes } from './http/routes/widget-routes';
import type { WidgetService } from './services/widget-service';

export interface AppDeps {
  logger: Logger;
  auth: AuthService;
  loginLimiter: LoginLimiter;
  assets: AssetService;
  widget: WidgetService;
  tickets: TicketService;
  /** The widget's ScreenConnect and PDQ link templates (SCREENCONNECT_URL_TEMPLATE, PDQ_URL_TEMPLATE). */
  linkTemplates: LinkTemplates;
  cache: CacheClient;
  readiness: Readiness;
  metrics: Metrics;
  bodyLimit: number;
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
  app.use(httpMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  app.use(securityHeaders());
  app.use(cors(deps.corsOrigins));
  app.use(errorHandler());
  // The demo pages and the <asset-widget> component (web/widget/asset-widget.js → /widget/asset-widget.js).
  app.use(staticFiles(projectPath('web')));

  const bench = deps.benchRoutes ? benchRoutes(deps.widget) : undefined;
  const routers = [
    ...(bench ? [bench.open] : []),
    healthRoutes(deps.readiness, deps.metrics),
    authRoutes({
      auth: deps.auth,
      limiter: deps.loginLimiter,
      bodyLimit: deps.bodyLimit,
      sessionTtlHours: deps.sessionTtlHours,
      secureCookies: deps.secureCookies,
    }),
  ];
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods({ throw: true }));

  // Everything else under /api needs credentials; authenticate runs before the route is even matched so an
  // unauthenticated caller learns nothing about which ids or routes exist.
  const protectedRouters = [
    widgetRoutes(deps.widget, deps.cache),
    assetRoutes(deps.assets, deps.bodyLimit),
    ticketRoutes(deps.tickets),
    uiRoutes(deps.linkTemplates),
    ...(bench ? [bench.authenticated] : []),
  ];
  const auth = authenticate(deps.auth);
  app.use(async (ctx, next) => (ctx.path.startsWith('/api/') ? auth(ctx, next) : next()));
  for (const router of protectedRouters) app.use(router.routes()).use(router.allowedMethods({ throw: true }));
  return app;
}
