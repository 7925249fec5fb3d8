import type Router from '@koa/router';
import type { Metrics } from '../../metrics';
import type { ReadinessReport } from '../../readiness';
import type { AppState } from '../context';
import { openRouter } from './router';

export interface Readiness {
  /** Whether the instance can answer now, and why not; with the cache's state and the database's. */
  check(): Promise<ReadinessReport>;
}

/** Probes for PM2, load balancers and Kubernetes-style checks, and the Prometheus scrape; no auth. */
export function healthRoutes(readiness: Readiness, metrics: Metrics): Router<AppState> {
  const router = openRouter();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const { ready, reason, cache, database } = await readiness.check();
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ready', cache, database } : { status: 'not_ready', reason, cache, database };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
