import type Router from '@koa/router';
import { z } from 'zod';
import type { CacheClient } from '../../cache/cache-client';
import { summarizeCacheStats } from '../../cache/stats-summary';
import type { WidgetAnswer, WidgetService } from '../../services/widget-service';
import type { AppMiddleware, AppState } from '../context';
import { requireRole } from '../middleware/authenticate';
import { parseOrThrow } from '../middleware/validate';
import { notModified } from '../preconditions';
import { idString } from './assets/schema';
import { protectedRouter } from './router';

export const widgetParams = z.object({ ticketId: idString });

/**
 * RFC 9211 `Cache-Status` of a widget answer: `hit` from the cache, `fwd=miss` from SQL (also on errors, which
 * SQL decided), and in grace a hit whose `ttl` is negative (seconds since the cache was last known fresh)
 * with `detail=stale`: the answer may be out of date.
 */
const CACHE_STATUS_MISS = 'asset-cache; fwd=miss';
function cacheStatus(answer: WidgetAnswer): string {
  if (answer.source === 'hit') return 'asset-cache; hit';
  if (answer.source === 'miss') return CACHE_STATUS_MISS;
  return `asset-cache; hit; ttl=-${answer.staleSeconds ?? 1}; detail=stale`;
}

/** The ticket widget and the cache's operator endpoints (story 15.6). */
export function widgetRoutes(widget: WidgetService, cache: CacheClient, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/assets', auth);

  router.get('/widget/:ticketId', async (ctx) => {
    const { ticketId } = parseOrThrow(widgetParams, ctx.params);
    ctx.set('Cache-Status', CACHE_STATUS_MISS);
    const answer = await widget.forTicket(ticketId);
    ctx.set('Cache-Status', cacheStatus(answer));
    // Revalidated on every use (no-cache): a browser or client that holds this ETag pays no body when unchanged.
    if (notModified(ctx, answer.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = answer.body;
  });

  router.post('/cache/refresh', requireRole('admin'), async (ctx) => {
    ctx.state.log.info({ event: 'cache.manual_refresh', user_id: ctx.state.principal?.userId }, 'manual cache refresh');
    const result = await cache.refresh('manual');
    ctx.body = { message: 'Asset cache refreshed successfully', cache_size: result.assets, duration_ms: result.durationMs };
  });

  router.get('/cache/stats', async (ctx) => {
    const stats = await cache.stats();
    // `summary` first: the status and one line an operator reads at a glance; the raw figures follow.
    ctx.body = { summary: summarizeCacheStats(stats, new Date()), ...stats };
  });

  return router;
}
