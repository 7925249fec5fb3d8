import type Router from '@koa/router';
import { z } from 'zod';
import type { LoginLimiter } from '../../auth/login-limiter';
import { AppError } from '../../errors';
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
    const retryAfterSeconds = options.limiter.retryAfter(email, ctx.ip);
    if (retryAfterSeconds > 0) throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds });
    const { principal, sessionId } = await options.auth.login(email, password).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'INVALID_CREDENTIALS') options.limiter.recordFailure(email, ctx.ip);
      throw err;
    });
    options.limiter.recordSuccess(email);
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
