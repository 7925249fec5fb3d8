import type Router from '@koa/router';
import { z } from 'zod';
import type { WidgetService } from '../../services/widget-service';
import type { AppMiddleware, AppState } from '../context';
import { parseOrThrow } from '../middleware/validate';
import { idString } from './assets/schema';
import { openRouter, protectedRouter } from './router';

const params = z.object({ ticketId: idString });

/**
 * Peers for the load tests, mounted only with BENCH_ROUTES=true: the ceiling (a bare Koa route, no auth, no
 * work) and the no-cache design (the widget answered purely from SQL, behind the same auth as the widget).
 */
export function benchRoutes(widget: WidgetService, auth: AppMiddleware): { open: Router<AppState>; authenticated: Router<AppState> } {
  const open = openRouter('/bench');
  open.get('/noop', (ctx) => {
    ctx.body = { ok: true };
  });
  const authenticated = protectedRouter('/api/bench', auth);
  authenticated.get('/widget-sql/:ticketId', async (ctx) => {
    const { ticketId } = parseOrThrow(params, ctx.params);
    ctx.type = 'application/json';
    ctx.body = await widget.forTicketFromSql(ticketId);
  });
  return { open, authenticated };
}
