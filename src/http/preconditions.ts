import { AppError } from '../errors';
import type { AppContext } from './context';

/** A strong entity tag for a row version: the version changes on every write, so equal tags mean equal bytes. */
export const versionTag = (version: string | number | bigint): string => `"v${version}"`;

const STRONG_VERSION_TAG = /^"v(\d{1,19})"$/;

/**
 * The versions an `If-Match` header accepts (RFC 9110 §13.1.1), or null when it sets no condition (absent, or
 * `*`, which any existing row meets). Weak tags never match for If-Match (strong comparison), and a tag we did
 * not issue matches nothing: the write is then refused with 412 rather than applied over an unknown state.
 */
export function ifMatchVersions(ctx: AppContext, required: boolean): string[] | null {
  const header = ctx.get('if-match').trim();
  if (!header) {
    if (required) throw new AppError('PRECONDITION_REQUIRED');
    return null;
  }
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return null;
  return tags.flatMap((tag) => STRONG_VERSION_TAG.exec(tag)?.[1] ?? []);
}

/**
 * Sets the answer's ETag (a strong tag, quotes included) and says whether the client's copy is current (If-None-Match, weak comparison per
 * RFC 9110 §13.1.2), for a 304. Not Koa's `ctx.fresh`: that treats a request's `Cache-Control: no-cache` as
 * "never fresh", which is a cache's rule, and fetch() adds that header to every request with If-None-Match.
 */
export function notModified(ctx: AppContext, tag: string): boolean {
  ctx.etag = tag;
  ctx.set('Cache-Control', 'private, no-cache');
  const header = ctx.get('if-none-match').trim();
  if (!header) return false;
  return header === '*' || header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}
