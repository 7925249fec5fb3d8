import type Router from '@koa/router';
import type { AssetService } from '../../../services/asset-service';
import type { AppMiddleware, AppState } from '../../context';
import { requireRole } from '../../middleware/authenticate';
import { jsonBody } from '../../middleware/json-body';
import { parseOrThrow } from '../../middleware/validate';
import { ifMatchVersions, notModified, versionTag } from '../../preconditions';
import { protectedRouter } from '../router';
import { assetIdParams, createAssetBody, listAssetsQuery, updateAssetBody } from './schema';

/**
 * Asset CRUD (story 15.2). Every route requires credentials; handlers only validate, call the service and
 * answer. Answers carry the row's version as a strong ETag; PUT and DELETE honour If-Match (412 when stale),
 * and with REQUIRE_IF_MATCH they need it (428).
 */
export function assetRoutes(assets: AssetService, bodyLimit: number, requireIfMatch: boolean, auth: AppMiddleware): Router<AppState> {
  const router = protectedRouter('/api/assets', auth);
  const body = jsonBody(bodyLimit);

  router.get('/', async (ctx) => {
    ctx.body = await assets.list(parseOrThrow(listAssetsQuery, ctx.query));
  });

  router.post('/', body, async (ctx) => {
    const asset = await assets.create(parseOrThrow(createAssetBody, ctx.state.body));
    ctx.status = 201;
    ctx.etag = versionTag(asset.version);
    ctx.set('Location', `/api/assets/${asset.id}`);
    ctx.body = asset;
  });

  router.get('/:id', async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    const asset = await assets.get(id);
    if (notModified(ctx, versionTag(asset.version))) ctx.status = 304;
    else ctx.body = asset;
  });

  router.put('/:id', body, async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    const input = parseOrThrow(updateAssetBody, ctx.state.body);
    const asset = await assets.update(id, input, ifMatchVersions(ctx, requireIfMatch));
    ctx.etag = versionTag(asset.version);
    ctx.body = asset;
  });

  router.delete('/:id', async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    const asset = await assets.retire(id, ifMatchVersions(ctx, requireIfMatch));
    ctx.etag = versionTag(asset.version);
    ctx.body = asset;
  });

  router.delete('/:id/permanent', requireRole('admin'), async (ctx) => {
    const { id } = parseOrThrow(assetIdParams, ctx.params);
    await assets.deletePermanently(id, ifMatchVersions(ctx, requireIfMatch));
    ctx.status = 204;
  });

  return router;
}
