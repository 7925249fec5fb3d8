import type pg from 'pg';
import type { CacheClient } from '../cache/cache-client';
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
 * The body is JSON text, assembled from pre-serialised parts without parsing them.
 */
export class WidgetService {
  constructor(private readonly options: WidgetOptions) {}

  async forTicket(ticketId: number): Promise<WidgetAnswer> {
    const answer = await this.fromCacheOrSql(ticketId);
    this.options.onAnswer?.(answer.source);
    return answer;
  }

  /** The same answer with the cache bypassed entirely: the no-cache design the load tests compare against. */
  async forTicketFromSql(ticketId: number): Promise<string> {
    return (await this.answer(ticketId, false)).body;
  }

  private async fromCacheOrSql(ticketId: number): Promise<WidgetAnswer> {
    const cachedBody = this.options.cacheTickets ? await this.options.cache.lookupTicket(ticketId) : null;
    if (cachedBody !== null) return { body: cachedBody, source: 'hit' };
    try {
      return await this.answer(ticketId, true);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const { answer, staleSeconds } = await this.options.cache.lookupTicketStaleOk(ticketId);
      if (answer === null) throw err;
      return staleSeconds === null ? { body: answer, source: 'hit' } : { body: answer, source: 'stale', staleSeconds };
    }
  }

  private async answer(ticketId: number, useCache: boolean): Promise<WidgetAnswer> {
    const ticket = await widgetRepository.ticketContact(this.options.pool, ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND');
    if (ticket.contactId === null) return { body: '{"assets":[],"contact_name":null,"total_assets":0}', source: 'miss' };
    const cached = useCache ? await this.options.cache.lookupContact(ticket.contactId) : null;
    const assets = cached ?? (await widgetRepository.assetsJson(this.options.pool, ticket.contactId));
    return { body: `{${assets},"contact_name":${JSON.stringify(ticket.contactName)}}`, source: cached === null ? 'miss' : 'hit' };
  }
}
