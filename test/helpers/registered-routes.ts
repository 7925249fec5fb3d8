import type Router from '@koa/router';
import type Koa from 'koa';
import type { Role } from '../../src/domain/principal';
import type { AppState } from '../../src/http/context';
import type { RoutePolicy } from '../../src/http/middleware/authenticate';

export interface RegisteredRoute {
  method: string;
  path: string;
  authenticated: boolean;
  roles: readonly Role[] | undefined;
}

const policyOf = (middleware: unknown): RoutePolicy | undefined => (middleware as { policy?: RoutePolicy }).policy;

/** Every route the running app's routers hold, with the guards the routers themselves carry: no hand list. */
export function registeredRoutes(app: Koa<AppState>): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: Router<AppState> }).router;
    if (!router) continue;
    const routerGuards = router.stack.filter((layer) => layer.methods.length === 0).flatMap((layer) => layer.stack.map(policyOf));
    const authenticated = routerGuards.some((policy) => policy?.authenticated);
    for (const layer of router.stack) {
      const roles = layer.stack.map(policyOf).find((policy) => policy?.roles)?.roles;
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) routes.push({ method, path: String(layer.path), authenticated, roles });
    }
  }
  return routes;
}
