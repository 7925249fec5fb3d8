import type Router from '@koa/router';
import { z } from 'zod';
import type { ContactAssetsService } from '../../services/contact-assets-service';
import type { AppMiddleware, AppState } from '../context';
import { parseOrThrow } from '../middleware/validate';
import { notModified } from '../preconditions';
import { idString, pageLimit } from './assets/schema';
import { protectedRouter } from './router';

export const contactParams = z.object({ contactId: idString });

export const contactAssetsQuery = z.strictObject({
  cursor: z.string().regex(/^[\w-]{1,48}$/, 'is not a cursor this API gave out').optional(),
  limit: pageLimit(100).optional(),
});

/** A contact's whole asset list, with the widget's auth and ETag rules. */
export function contactRoutes(contacts: ContactAssetsService, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/contacts', auth);
  router.get('/:contactId/assets', async (ctx) => {
    const { contactId } = parseOrThrow(contactParams, ctx.params);
    const { cursor, limit } = parseOrThrow(contactAssetsQuery, ctx.query);
    const answer = await contacts.page(contactId, cursor, limit ?? 20);
    if (notModified(ctx, answer.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = answer.body;
  });
  return router;
}
