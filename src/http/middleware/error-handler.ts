import type { Middleware } from 'koa';
import { AppError } from '../../errors';
import type { AppState } from '../context';

const PG_UNAVAILABLE = new Set(['57014', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Database or network trouble the client cannot fix and may retry: 503, not 500. */
function isUnavailable(err: { code?: unknown; message?: unknown }): boolean {
  if (typeof err.code === 'string' && (PG_UNAVAILABLE.has(err.code) || NET_UNAVAILABLE.has(err.code))) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/.test(
    message,
  );
}

/** Maps anything thrown below into the documented `{ error, code }` body with the right status. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  if (e.status === 405 || e.status === 501) return new AppError('METHOD_NOT_ALLOWED');
  if (e.status === 404) return new AppError('NOT_FOUND');
  if (isUnavailable(e)) return new AppError('SERVICE_UNAVAILABLE');
  return new AppError('INTERNAL');
}

/**
 * The outermost handler after the request context. Unexpected errors are logged with their stack and
 * answered with a generic message; a client that hung up is recorded as 499, not as a server error.
 */
export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('NOT_FOUND');
    } catch (err) {
      if (ctx.req.socket.destroyed && !ctx.res.writableEnded && !(err instanceof AppError)) {
        // The client is gone: nothing to answer, and request-context logs it as 499 at info, not as an error.
        return;
      }
      const appError = toAppError(err);
      if (appError.status >= 500) ctx.state.log.error({ err }, 'request error');
      else if (appError.code === 'SERVICE_UNAVAILABLE') ctx.state.log.warn({ err }, 'dependency unavailable');
      const allow = (err as { headers?: { Allow?: string } }).headers?.Allow;
      if (allow) ctx.set('Allow', allow);
      if (appError.code === 'SERVICE_UNAVAILABLE') ctx.set('Retry-After', '1');
      if (appError.details?.retryAfterSeconds) ctx.set('Retry-After', String(appError.details.retryAfterSeconds));
      ctx.status = appError.status;
      ctx.body = appError.toBody();
    }
  };
}
