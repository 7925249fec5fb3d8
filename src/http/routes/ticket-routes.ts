import type Router from '@koa/router';
import { z } from 'zod';
import type { TicketService } from '../../services/ticket-service';
import type { AppMiddleware, AppState } from '../context';
import { parseOrThrow } from '../middleware/validate';
import { pageLimit } from './assets/schema';
import { protectedRouter } from './router';

const DEFAULT_LIMIT = 20;

export const recentTicketsQuery = z.strictObject({
  limit: pageLimit(100).optional(),
});

/** The recent-tickets list behind the demo pages; requires credentials. */
export function ticketRoutes(tickets: TicketService, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/tickets', auth);

  router.get('/', async (ctx) => {
    const { limit } = parseOrThrow(recentTicketsQuery, ctx.query);
    ctx.body = { tickets: await tickets.recent(limit ?? DEFAULT_LIMIT) };
  });

  return router;
}
