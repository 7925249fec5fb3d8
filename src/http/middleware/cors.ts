import type { Middleware } from 'koa';
import type { AppState } from '../context';

/**
 * CORS stays closed unless CORS_ORIGINS names exact origins: only those get Access-Control-* headers, so a
 * browser page from anywhere else cannot read our answers. Credentials (cookies) are never allowed cross-
 * origin, so a page of another origin can only call the API with a bearer token of its own.
 */
export function cors(allowedOrigins: readonly string[]): Middleware<AppState> {
  const allowed = new Set(allowedOrigins);
  // Closed CORS answers every origin alike, so caches need no `Vary: Origin` (and the hot path skips the work).
  if (allowed.size === 0) return (_ctx, next) => next();
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    if (!origin || !allowed.has(origin)) return next();
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
      ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After, ETag, Cache-Status');
    await next();
  };
}
