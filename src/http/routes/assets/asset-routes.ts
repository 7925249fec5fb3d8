import type Router from '@koa/router';
import type { AssetService } from '../../../services/asset-service';
import type { AppMiddleware, AppState } from '../../context';
import { requireRole } from '../../middleware/authenticate';
import { jsonBody } from '../../middleware/json-body';
import { parseOrThrow } from '../../middleware/validate';
import { protectedRouter } from '../router';
import { assetIdParams, createAssetBody, listAssetsQuery, updateAssetBody } from './schema';

/** Asset CRUD (story 15.2). Every route requires credentials; handlers only validate, call the service and answer. */
export function assetRoutes(assets: AssetService, bodyLimit: number, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/assets', auth);
  const body = jsonBody(bodyLimit);

  router.get('/', async (ctx) => {
    ctx.body = await assets.list(parseOrThrow(listAssetsQuery, ctx.query));
  });

  router.post('/', body, async (ctx) => {
    ctx.status = 201;
    ctx.body = await assets.create(parseOrThrow(createAssetBody, ctx.state.body));
    ctx.set('Location', `/api/assets/${(ctx.body as { id: number }).id}`);
  });

  router.get('/:id', async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    ctx.body = await assets.get(id);
  });

  router.put('/:id', body, async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    ctx.body = await assets.update(id, parseOrThrow(updateAssetBody, ctx.state.body));
  });

  router.delete('/:id', async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    ctx.body = await assets.retire(id);
  });

  router.delete('/:id/permanent', requireRole('admin'), async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    await assets.deletePermanently(id);
    ctx.status = 204;
  });

  return router;
}
