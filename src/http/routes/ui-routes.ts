import type Router from '@koa/router';
import type { AppMiddleware, AppState } from '../context';
import { protectedRouter } from './router';

/** URL templates for the widget's links, `{id}` standing for the asset's id; null: the widget shows no link. */
export interface LinkTemplates {
  screenconnect: string | null;
  pdq: string | null;
}

/**
 * Settings the <asset-widget> component reads at run time, so the pages that embed it need not know them.
 * Requires credentials: the templates name internal hosts.
 */
export function uiRoutes(links: LinkTemplates, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/ui', auth);
  router.get('/config', (ctx) => {
    ctx.body = { screenconnect_url_template: links.screenconnect, pdq_url_template: links.pdq };
  });
  return router;
}
