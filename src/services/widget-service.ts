import type pg from 'pg';
import type { CacheClient } from '../cache/cache-client';
import { NO_CONTACT_BODY, NO_CONTACT_TAG, widgetBody, widgetTag } from '../cache/widget-body';
import { widgetRepository } from '../db/repositories/widget';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError } from '../errors';

/**
 * Where a widget answer came from, for the `Cache-Status` header and the metrics: `hit` the cache (fresh),
 * `miss` SQL, `stale` the cache's snapshot while SQL was unreachable and the cache not known fresh (grace).
 */
export type WidgetSource = 'hit' | 'miss' | 'stale';

export interface WidgetAnswer {
  /** The response body as JSON text. */
  body: string;
  /** Its strong ETag, from versions, not from the bytes (widget-body.ts). */
  etag: string;
  /** The ticket's contact, for the link to its whole asset list; null without one. */
  contactId: number | null;
  source: WidgetSource;
  /** For `stale`: at most this many seconds since the cache was last known fresh. */
  staleSeconds?: number;
}

export interface WidgetOptions {
  pool: pg.Pool;
  cache: CacheClient;
  /** Ask the cache for the whole answer by ticket first (CACHE_TICKETS); off, the ticket always costs one query. */
  cacheTickets: boolean;
  /** Told where every answer came from (metrics). */
  onAnswer?: (source: WidgetSource) => void;
}

/**
 * The ticket widget. A ticket the cache knows is answered whole by the cache worker, with no SQL. Otherwise
 * the ticket's contact comes from one prepared statement and the contact's assets from the cache, or from
 * SQL when the cache cannot answer (cold, degraded, timed out, worker restarting): one miss. When SQL is
 * unreachable, the cache is asked once more with stale answers allowed (grace, bounded by CACHE_GRACE_SECONDS
 * in the worker); without an answer the request fails with the SQL error, a 503.
 * The body is JSON text, assembled by widget-body.ts from pre-serialised parts without parsing them; its
 * ETag comes with it.
 */
export class WidgetService {
  constructor(private readonly options: WidgetOptions) {}

  async forTicket(ticketId: number): Promise<WidgetAnswer> {
    const answer = await this.fromCacheOrSql(ticketId);
    this.options.onAnswer?.(answer.source);
    return answer;
  }

  /**
   * Many tickets in one answer, `{"widgets":{"<id>":<widget>,…},"not_found":[…]}`, each widget the very body
   * the single-ticket route sends. The lookups are made in one event-loop turn, so they reach the cache worker
   * as one batch; tickets it cannot answer go to SQL as usual. Duplicate ids are answered once.
   */
  async forTickets(ticketIds: readonly number[]): Promise<string> {
    const unique = [...new Set(ticketIds)];
    const bodies = await Promise.all(
      unique.map((id) =>
        this.forTicket(id).then(
          (answer) => answer.body,
          (err: unknown) => {
            if (err instanceof AppError && err.code === 'TICKET_NOT_FOUND') return null;
            throw err;
          },
        ),
      ),
    );
    const widgets = unique.flatMap((id, i) => (bodies[i] === null ? [] : [`"${id}":${bodies[i]}`]));
    const notFound = unique.filter((_, i) => bodies[i] === null);
    return `{"widgets":{${widgets.join(',')}},"not_found":[${notFound.join(',')}]}`;
  }

  /** The same answer with the cache bypassed entirely: the no-cache design the load tests compare against. */
  async forTicketFromSql(ticketId: number): Promise<string> {
    return (await this.answer(ticketId, false)).body;
  }

  private async fromCacheOrSql(ticketId: number): Promise<WidgetAnswer> {
    const cached = this.options.cacheTickets ? await this.options.cache.lookupTicket(ticketId) : null;
    if (cached !== null) return { body: cached.text, etag: cached.tag, contactId: cached.contactId, source: 'hit' };
    try {
      return await this.answer(ticketId, true);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const { answer, staleSeconds } = await this.options.cache.lookupTicketStaleOk(ticketId);
      if (answer === null) throw err;
      const tagged = { body: answer.text, etag: answer.tag, contactId: answer.contactId };
      return staleSeconds === null ? { ...tagged, source: 'hit' } : { ...tagged, source: 'stale', staleSeconds };
    }
  }

  private async answer(ticketId: number, useCache: boolean): Promise<WidgetAnswer> {
    const ticket = await widgetRepository.ticketContact(this.options.pool, ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND');
    const { contactId, contactNameJson } = ticket;
    if (contactId === null || contactNameJson === null) return { body: NO_CONTACT_BODY, etag: NO_CONTACT_TAG, contactId: null, source: 'miss' };
    const cached = useCache ? await this.options.cache.lookupContact(contactId) : null;
    const part = cached ?? (await widgetRepository.assets(this.options.pool, contactId));
    const source = cached === null ? 'miss' : 'hit';
    return { body: widgetBody(part, contactNameJson), etag: widgetTag(contactId, part, contactNameJson), contactId, source };
  }
}
