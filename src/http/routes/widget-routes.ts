import type Router from '@koa/router';
import { z } from 'zod';
import type { CacheClient } from '../../cache/cache-client';
import { summarizeCacheStats } from '../../cache/stats-summary';
import type { WidgetService } from '../../services/widget-service';
import type { AppMiddleware, AppState } from '../context';
import { requireRole } from '../middleware/authenticate';
import { parseOrThrow } from '../middleware/validate';
import { idString } from './assets/schema';
import { protectedRouter } from './router';

export const widgetParams = z.object({ ticketId: idString });

/** The ticket widget and the cache's operator endpoints (story 15.6). */
export function widgetRoutes(widget: WidgetService, cache: CacheClient, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/assets', auth);

  router.get('/widget/:ticketId', async (ctx) => {
    const { ticketId } = parseOrThrow(widgetParams, ctx.params);
    ctx.type = 'application/json';
    ctx.body = await widget.forTicket(ticketId);
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
