import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from '../logger';
import type { Principal } from '../domain/principal';

/** What middleware leaves on `ctx.state` for the handlers after it. */
export interface AppState {
  requestId: string;
  log: Logger;
  principal?: Principal;
  /** How the principal authenticated: a browser session cookie is subject to CSRF rules, a bearer token is not. */
  authMethod?: 'token' | 'session';
  /** Parsed, not yet validated JSON request body. */
  body?: unknown;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppMiddleware = Middleware<AppState>;
