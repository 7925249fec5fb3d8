import type { Middleware } from 'koa';
import type { AppState } from '../context';

/**
 * Headers every response carries: no MIME sniffing, no framing, no referrer leaks, no shared browsing
 * context. The HTML pages' Content-Security-Policy is set where they are served (static-files.ts).
 */
export function securityHeaders(): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    await next();
  };
}
