import crypto from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../../logger';
import type { AppState } from '../context';
import { clientGone } from './error-handler';

const SAFE_REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Gives each request an id (the caller's `x-request-id` when it is a sane token, else a new UUID), a child
 * logger bound to it, and one access-log line when the response is done. 4xx log at info, 5xx at error.
 */
export function requestContext(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ req_id: requestId });
    ctx.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // A client that hung up before its answer is not a server error: record it as nginx does, 499.
      const hungUp = clientGone(ctx);
      const line = {
        event: hungUp ? 'http.client_closed' : 'http.request',
        method: ctx.method,
        path: ctx.path,
        status: hungUp ? 499 : ctx.status,
        duration_ms: Math.round(durationMs * 100) / 100,
        user_id: ctx.state.principal?.userId,
      };
      if (line.status >= 500) ctx.state.log.error(line, 'request failed');
      else ctx.state.log.info(line, 'request');
    }
  };
}
