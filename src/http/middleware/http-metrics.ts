import type { Middleware } from 'koa';
import type { Metrics } from '../../metrics';
import type { AppState } from '../context';

/** Times every request into the HTTP histogram, labelled by the matched route template, never the raw path. */
export function httpMetrics(metrics: Metrics): Middleware<AppState> {
  return async (ctx, next) => {
    const end = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route, status_class: `${Math.floor(ctx.status / 100)}xx` });
    }
  };
}
