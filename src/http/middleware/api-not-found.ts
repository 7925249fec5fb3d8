import path from 'node:path';
import type { AppMiddleware } from '../context';

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Whether a path could be read as one under /api by anything that decodes, folds case or normalises
 * segments (a proxy, a framework, a future router option): `/API/assets`, `//api`, `/api%2Fassets`,
 * `/x/../api`. Such a path that matched no route still gets authenticated before its 404, so an
 * unauthenticated caller learns nothing about which routes exist and a spelling never reaches an open door.
 */
function looksLikeApi(rawPath: string): boolean {
  const normalised = path.posix.normalize(decodeOnce(rawPath).replaceAll('\\', '/')).toLowerCase();
  return normalised === '/api' || normalised.startsWith('/api/');
}

/** Last in the chain: an unmatched /api-like path answers 401 without credentials and 404 with them. */
export function apiNotFound(authenticate: AppMiddleware): AppMiddleware {
  return async (ctx, next) => {
    if (!looksLikeApi(ctx.path)) return next();
    await authenticate(ctx, next);
  };
}
