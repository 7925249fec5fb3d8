import type Router from '@koa/router';
import { openApiDocument } from '../openapi/document';
import type { AppState } from '../context';
import { openRouter } from './router';

/** The API's own description, public like the docs it mirrors; serialised once, at start. */
export function openApiRoutes(options: { benchRoutes: boolean }): Router<AppState> {
  const document = JSON.stringify(openApiDocument(options));
  const router = openRouter();
  router.get('/api/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document;
  });
  return router;
}
