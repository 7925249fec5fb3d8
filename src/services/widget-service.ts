import type pg from 'pg';
import type { CacheClient } from '../cache/cache-client';
import { widgetRepository } from '../db/repositories/widget';
import { AppError } from '../errors';

export interface WidgetOptions {
  pool: pg.Pool;
  cache: CacheClient;
}

/**
 * The ticket widget: the ticket's contact (one prepared statement), then that contact's assets from the
 * cache worker, or from SQL when the cache cannot answer (cold, degraded, timed out, worker restarting).
 * Returns the response body as JSON text, assembled from pre-serialised parts without parsing them.
 */
export class WidgetService {
  constructor(private readonly options: WidgetOptions) {}

  async forTicket(ticketId: number): Promise<string> {
    const ticket = await widgetRepository.ticketContact(this.options.pool, ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND');
    if (ticket.contactId === null) return '{"assets":[],"contact_name":null,"total_assets":0}';
    const cached = await this.options.cache.lookup(ticket.contactId);
    const assets = cached ?? (await widgetRepository.assetsJson(this.options.pool, ticket.contactId));
    return `{${assets},"contact_name":${JSON.stringify(ticket.contactName)}}`;
  }
}
