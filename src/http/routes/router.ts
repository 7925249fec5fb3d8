import Router from '@koa/router';
import type { AppMiddleware, AppState } from '../context';

/**
 * Every router of the app comes from here so that all of them match paths the same way: case-sensitively,
 * on the raw path. `/API/assets` is then simply not a route (it falls through to the 404 guard in app.ts),
 * instead of a route that a prefix check elsewhere might read differently.
 */
export function openRouter(prefix?: string): Router<AppState> {
  return new Router<AppState>({ prefix, sensitive: true });
}

/**
 * A router whose every route requires credentials: `authenticate` is its first layer, so it runs for each
 * route the router matches and for nothing else. Guarding the route itself, not a path prefix, means the
 * router and the guard can never disagree about what a path is.
 */
export function protectedRouter(prefix: string, authenticate: AppMiddleware): Router<AppState> {
  return openRouter(prefix).use(authenticate);
}
