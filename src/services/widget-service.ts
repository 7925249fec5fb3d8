import type pg from 'pg';
import type { CacheClient } from '../cache/cache-client';
import { widgetRepository } from '../db/repositories/widget';
import { AppError } from '../errors';

export interface WidgetOptions {
  pool: pg.Pool;
  cache: CacheClient;
  /** Ask the cache for the whole answer by ticket first (CACHE_TICKETS); off, the ticket always costs one query. */
  cacheTickets: boolean;
}

/**
 * The ticket widget. A ticket the cache knows is answered whole by the cache worker, with no SQL. Otherwise
 * the ticket's contact comes from one prepared statement and the contact's assets from the cache, or from
 * SQL when the cache cannot answer (cold, degraded, timed out, worker restarting): one miss.
 * Returns the response body as JSON text, assembled from pre-serialised parts without parsing them.
 */
export class WidgetService {
  constructor(private readonly options: WidgetOptions) {}

  async forTicket(ticketId: number): Promise<string> {
    const cachedBody = this.options.cacheTickets ? await this.options.cache.lookupTicket(ticketId) : null;
    return cachedBody ?? this.answer(ticketId, true);
  }

  /** The same answer with the cache bypassed entirely: the no-cache design the load tests compare against. */
  forTicketFromSql(ticketId: number): Promise<string> {
    return this.answer(ticketId, false);
  }

  private async answer(ticketId: number, useCache: boolean): Promise<string> {
    const ticket = await widgetRepository.ticketContact(this.options.pool, ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND');
    if (ticket.contactId === null) return '{"assets":[],"contact_name":null,"total_assets":0}';
    const cached = useCache ? await this.options.cache.lookupContact(ticket.contactId) : null;
    const assets = cached ?? (await widgetRepository.assetsJson(this.options.pool, ticket.contactId));
    return `{${assets},"contact_name":${JSON.stringify(ticket.contactName)}}`;
  }
}
