import type Router from '@koa/router';
import type { Metrics } from '../../metrics';
import type { AppState } from '../context';
import { openRouter } from './router';

export interface Readiness {
  /** Null when ready; otherwise a short reason an operator can act on. */
  notReadyReason(): Promise<string | null>;
}

/** Probes for PM2, load balancers and Kubernetes-style checks, and the Prometheus scrape; no auth. */
export function healthRoutes(readiness: Readiness, metrics: Metrics): Router<AppState> {
  const router = openRouter();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const reason = await readiness.notReadyReason();
    ctx.status = reason ? 503 : 200;
    ctx.body = reason ? { status: 'not_ready', reason } : { status: 'ready' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
