import type { Middleware } from 'koa';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { AppError } from '../../errors';
import type { AppContext, AppState } from '../context';
import { versionTag } from '../preconditions';

const PROBLEM_JSON = 'application/problem+json';

/** Maps anything thrown below into the documented `{ error, code }` body with the right status. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as { status?: unknown };
  if (e.status === 405 || e.status === 501) return new AppError('METHOD_NOT_ALLOWED');
  if (e.status === 404) return new AppError('NOT_FOUND');
  if (isDatabaseUnavailable(err)) return new AppError('SERVICE_UNAVAILABLE');
  return new AppError('INTERNAL');
}

/** The client hung up before its answer was written (its socket may already be detached from the request). */
export function clientGone(ctx: AppContext): boolean {
  return (ctx.req.socket?.destroyed ?? true) && !ctx.res.writableEnded;
}

/**
 * The outermost handler after the request context. Errors are `{ error, code }` JSON, or RFC 9457 problem
 * details when the client's Accept prefers `application/problem+json`. Unexpected errors are logged with
 * their stack and answered with a generic message; a client that hung up is recorded as 499, not as a
 * server error.
 */
export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('NOT_FOUND');
    } catch (err) {
      if (clientGone(ctx) && !(err instanceof AppError)) {
        // The client is gone: nothing to answer, and request-context logs it as 499 at info, not as an error.
        return;
      }
      const appError = toAppError(err);
      // A 503 is a dependency's trouble the client may retry, not a bug: a warning. Other 5xx are errors.
      if (appError.status === 503) ctx.state.log.warn({ err, code: appError.code }, 'dependency unavailable');
      else if (appError.status >= 500) ctx.state.log.error({ err }, 'request error');
      const allow = (err as { headers?: { Allow?: string } }).headers?.Allow;
      if (allow) ctx.set('Allow', allow);
      if (appError.status === 503) ctx.set('Retry-After', '1');
      if (appError.details?.currentVersion) ctx.etag = versionTag(appError.details.currentVersion);
      if (appError.details?.retryAfterSeconds) ctx.set('Retry-After', String(appError.details.retryAfterSeconds));
      ctx.status = appError.status;
      if (ctx.accepts('application/json', PROBLEM_JSON) === PROBLEM_JSON) {
        ctx.body = appError.toProblem();
        ctx.type = PROBLEM_JSON;
      } else {
        ctx.body = appError.toBody();
      }
    }
  };
}
