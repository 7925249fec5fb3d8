import type Router from '@koa/router';
import { z } from 'zod';
import type { LoginLimiter } from '../../auth/login-limiter';
import { AppError } from '../../errors';
import { safeError } from '../../logger';
import type { AuthService } from '../../services/auth-service';
import type { AppState } from '../context';
import { SESSION_COOKIE } from '../middleware/authenticate';
import { jsonBody } from '../middleware/json-body';
import { parseOrThrow } from '../middleware/validate';
import { openRouter } from './router';

export const loginBody = z.strictObject({
  email: z.email().max(255),
  password: z.string().min(1).max(1024),
});

export interface AuthRoutesOptions {
  auth: AuthService;
  limiter: LoginLimiter;
  bodyLimit: number;
  sessionTtlHours: number;
  secureCookies: boolean;
}

/** Browser sign-in: an HttpOnly, SameSite=Lax session cookie; API clients use bearer tokens instead. */
export function authRoutes(options: AuthRoutesOptions): Router<AppState> {
  const router = openRouter('/api/auth');

  router.post('/login', jsonBody(options.bodyLimit), async (ctx) => {
    const { email, password } = parseOrThrow(loginBody, ctx.state.body);
    // Counted before the password is checked, so attempts sent at once cannot all be checked (see LoginLimiter).
    // ctx.ip is the socket's address, or with TRUST_PROXY the address the proxy put last in X-Forwarded-For.
    const reservation = await options.limiter.reserve(email, ctx.ip);
    if (!reservation.ok) throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: reservation.retryAfterSeconds });
    if (reservation.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, reservation.delayMs));
    const { principal, sessionId } = await options.auth.login(email, password).catch(async (err: unknown) => {
      // A wrong password (or unknown email) keeps its reservation: that is the counted failure.
      if (!(err instanceof AppError && err.code === 'INVALID_CREDENTIALS')) {
        await options.limiter.release(reservation).catch((releaseErr: unknown) => {
          ctx.state.log.warn({ err: safeError(releaseErr), event: 'login_limiter.release_failed' }, 'sign-in attempt not given back');
        });
      }
      throw err;
    });
    await options.limiter.succeeded(reservation).catch((err: unknown) => {
      ctx.state.log.warn({ err: safeError(err), event: 'login_limiter.release_failed' }, 'sign-in attempt not given back');
    });
    if (options.secureCookies) ctx.cookies.secure = true;
    ctx.cookies.set(SESSION_COOKIE, sessionId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secureCookies,
      maxAge: options.sessionTtlHours * 3_600_000,
      path: '/',
    });
    ctx.body = { user: { id: principal.userId, email: principal.email, role: principal.role } };
  });

  router.post('/logout', async (ctx) => {
    const sessionId = ctx.cookies.get(SESSION_COOKIE);
    if (sessionId) await options.auth.logout(sessionId);
    ctx.cookies.set(SESSION_COOKIE, null, { httpOnly: true, sameSite: 'lax', path: '/' });
    ctx.status = 204;
  });

  return router;
}
