import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import { z } from 'zod';
import type { CacheClient } from '../../cache/cache-client';
import { summarizeCacheStats } from '../../cache/stats-summary';
import type { WidgetAnswer, WidgetService } from '../../services/widget-service';
import type { WidgetStreams } from '../../services/widget-streams';
import { AppError } from '../../errors';
import type { AppMiddleware, AppState } from '../context';
import { requireRole } from '../middleware/authenticate';
import { parseOrThrow } from '../middleware/validate';
import { notModified } from '../preconditions';
import { idString } from './assets/schema';
import { protectedRouter } from './router';

export const widgetParams = z.object({ ticketId: idString });

const MAX_BULK_TICKETS = 100;

/** `ticket_ids=1,2,3`: 1–100 ticket ids; every bad one is named in the 400. */
export const bulkWidgetQuery = z.strictObject({
  ticket_ids: z
    .string()
    .transform((text, ctx) => {
      const parts = text.split(',');
      const bad = parts.filter((part) => !idString.safeParse(part).success);
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `not ticket ids: ${bad.slice(0, 20).map((b) => JSON.stringify(b)).join(', ')}` });
        return z.NEVER;
      }
      if (parts.length > MAX_BULK_TICKETS) {
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_BULK_TICKETS} ticket ids` });
        return z.NEVER;
      }
      return parts.map(Number);
    })
    .describe('Comma-separated ticket ids, 1 to 100; duplicates are answered once'),
});

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
export function widgetRoutes(widget: WidgetService, streams: WidgetStreams, cache: CacheClient, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/assets', auth);

  // Before '/widget/:ticketId' only for readability: the paths cannot match each other.
  router.get('/widget', async (ctx) => {
    const { ticket_ids: ticketIds } = parseOrThrow(bulkWidgetQuery, ctx.query);
    ctx.type = 'application/json';
    ctx.body = await widget.forTickets(ticketIds);
  });

  router.get('/widget/:ticketId', async (ctx) => {
    const { ticketId } = parseOrThrow(widgetParams, ctx.params);
    ctx.set('Cache-Status', CACHE_STATUS_MISS);
    const answer = await widget.forTicket(ticketId);
    ctx.set('Cache-Status', cacheStatus(answer));
    // RFC 8288: where the contact's whole list is (the widget's "+N more" opens it).
    if (answer.contactId !== null) ctx.set('Link', `</api/contacts/${answer.contactId}/assets>; rel="collection"`);
    // Revalidated on every use (no-cache): a browser or client that holds this ETag pays no body when unchanged.
    if (notModified(ctx, answer.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = answer.body;
  });

  // Server-Sent Events: the widget body again whenever it changes, its ETag as the event id (Last-Event-ID).
  router.get('/widget/:ticketId/events', async (ctx) => {
    const { ticketId } = parseOrThrow(widgetParams, ctx.params);
    if (streams.full) throw new AppError('STREAM_LIMIT', undefined, { retryAfterSeconds: 5 });
    const current = await widget.forTicket(ticketId);
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.type = 'text/event-stream';
    ctx.body = stream;
    streams.add(ticketId, current, ctx.get('last-event-id'), stream);
    ctx.req.once('close', () => streams.remove(ticketId, stream));
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
