import type { Middleware } from 'koa';
import type { AppState } from '../context';

/**
 * Headers every response carries: no MIME sniffing, no framing, no referrer leaks, no shared browsing
 * context; HSTS when the service is behind HTTPS. The HTML pages' Content-Security-Policy is set where they are served (static-files.ts).
 */
export function securityHeaders(options: { hsts: boolean }): Middleware<AppState> {
  return async (ctx, next) => {
    // Only when the deployment says it is served over HTTPS (COOKIE_SECURE): HSTS over plain HTTP would lock
    // browsers out of a quick start on http://localhost-like hosts.
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    await next();
  };
}
