import type { Role } from '../../auth/principal';
import { AppError } from '../../errors';
import type { AuthService } from '../../services/auth-service';
import type { AppMiddleware } from '../context';

export const SESSION_COOKIE = 'awc_session';
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Requires a bearer token or a session cookie. A malformed Authorization header is a 401 even when a cookie
 * is present: the caller meant to use the header, and silently falling back would hide their mistake.
 */
export function authenticate(auth: AuthService): AppMiddleware {
  return async (ctx, next) => {
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
    ctx.state.principal = principal;
    ctx.state.authMethod = 'session';
    return next();
  };
}

/** Lets the request through only for the given roles; 403 otherwise. */
export function requireRole(...roles: Role[]): AppMiddleware {
  return async (ctx, next) => {
    if (!ctx.state.principal || !roles.includes(ctx.state.principal.role)) {
      throw new AppError('FORBIDDEN', `This action requires the ${roles.join(' or ')} role`);
    }
    return next();
  };
}
