import type pg from 'pg';
import type { CacheClient } from '../cache/cache-client';
import { contactPageAnswer, decodeCursor } from '../cache/contact-page';
import { contactAssetsRepository } from '../db/repositories/contact-assets';
import { AppError } from '../errors';

/**
 * Every active asset of a contact, newest first, a page at a time: the list behind the widget's "+N more".
 * Answered from the cache, with the widget's fragments and ordering; from SQL, in the same bytes, when the
 * cache cannot (not ready, or a contact it does not know yet).
 */
export class ContactAssetsService {
  constructor(private readonly options: { pool: pg.Pool; cache: CacheClient }) {}

  async page(contactId: number, cursor: string | undefined, limit: number): Promise<{ body: string; etag: string }> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    const page =
      (await this.options.cache.contactAssets(contactId, after, limit)) ??
      (await contactAssetsRepository.page(this.options.pool, contactId, after, limit));
    if (!page) throw new AppError('CONTACT_NOT_FOUND');
    return contactPageAnswer(contactId, page, cursor);
  }
}
