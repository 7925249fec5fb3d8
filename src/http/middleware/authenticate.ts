import type { Role } from '../../domain/principal';
import { AppError } from '../../errors';
import type { AuthService } from '../../services/auth-service';
import type { AppContext, AppMiddleware } from '../context';

export const SESSION_COOKIE = 'awc_session';
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a guard enforces, readable from the routers themselves, so a test can walk every registered route and
 * check its rule without a hand-kept list that drifts from the code.
 */
export interface RoutePolicy {
  authenticated?: true;
  roles?: readonly Role[];
}

export type GuardMiddleware = AppMiddleware & { policy: RoutePolicy };

function withPolicy(middleware: AppMiddleware, policy: RoutePolicy): GuardMiddleware {
  return Object.assign(middleware, { policy });
}

/**
 * A browser attaches the session cookie to requests other pages start, so a cookie-authenticated change must
 * show that one of our own pages sent it. Browsers set `Sec-Fetch-Site` and `Origin` themselves and page
 * scripts cannot forge either. `Sec-Fetch-Site` is checked first because it still holds behind a
 * TLS-terminating proxy, where our own origin as Koa sees it (http://) differs from the browser's (https://).
 * A request with neither header is refused: every browser that matters sends one of them on a POST.
 */
function fromOwnPage(ctx: AppContext): boolean {
  if (ctx.get('sec-fetch-site') === 'same-origin') return true;
  // Built by hand: in Koa 3, `ctx.origin` is the request's Origin header itself, so comparing with it proves nothing.
  return ctx.get('origin') === `${ctx.protocol}://${ctx.host}`;
}

/**
 * Requires a bearer token or a session cookie. A malformed Authorization header is a 401 even when a cookie
 * is present: the caller meant to use the header, and silently falling back would hide their mistake.
 * Session-authenticated requests with an unsafe method must come from our own origin (403 CSRF_REJECTED);
 * bearer tokens are never sent by a browser on its own, so they need no such check.
 */
export function authenticate(auth: AuthService): AppMiddleware {
  const middleware: AppMiddleware = async (ctx, next) => {
    // What a credential unlocks is for its holder only: no shared or browser cache may keep it. A route that
    // supports revalidation sets its own Cache-Control after this.
    ctx.set('Cache-Control', 'no-store');
    const header = ctx.get('authorization');
    if (header) {
      const token = BEARER.exec(header)?.[1];
      const principal = token ? await auth.authenticate('token', token) : undefined;
      if (!principal) throw new AppError('UNAUTHENTICATED', 'Invalid or revoked API token');
      ctx.state.principal = principal;
      ctx.state.authMethod = 'token';
      return next();
    }
    const sessionId = ctx.cookies.get(SESSION_COOKIE);
    const principal = sessionId ? await auth.authenticate('session', sessionId) : undefined;
    if (!principal) throw new AppError('UNAUTHENTICATED');
    if (!SAFE_METHODS.has(ctx.method) && !fromOwnPage(ctx)) throw new AppError('CSRF_REJECTED');
    ctx.state.principal = principal;
    ctx.state.authMethod = 'session';
    return next();
  };
  return withPolicy(middleware, { authenticated: true });
}

/** Lets the request through only for the given roles; 403 otherwise. */
export function requireRole(...roles: Role[]): AppMiddleware {
  const middleware: AppMiddleware = async (ctx, next) => {
    if (!ctx.state.principal || !roles.includes(ctx.state.principal.role)) {
      throw new AppError('FORBIDDEN', `This action requires the ${roles.join(' or ')} role`);
    }
    return next();
  };
  return withPolicy(middleware, { roles });
}
