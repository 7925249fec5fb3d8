import { isAfter, type ContactPage, type PageCursor } from '../src/cache/contact-page';
import { NO_CONTACT_BODY, NO_CONTACT_TAG, widgetBody, widgetTag, type AssetsPart, type TicketBody } from '../src/cache/widget-body';
import type { WorkerStats } from '../src/cache/protocol';
import type { Logger } from '../src/logger';
import type { AssetIndex } from './asset-index';
import type { Directory } from './directory';

const NO_CONTACT: TicketBody = [NO_CONTACT_BODY, NO_CONTACT_TAG, 0];

/**
 * The reads the front asks the cache for, answered from the asset index and the directory, with their
 * counters. Whether the cache may answer at all is the AssetCache's to say (`servable`); null sends the
 * front to SQL.
 */
export class CacheLookups {
  private readonly counters = { hits: 0, empty: 0, slowLookups: 0 };

  constructor(
    private readonly index: AssetIndex,
    private readonly directory: Directory,
    private readonly logger: Logger,
    private readonly slowLookupMs: number,
    /** `allowStale` (grace, decided by the caller): the current snapshot may answer even though it is not ready. */
    private readonly servable: (allowStale?: boolean) => boolean,
  ) {}

  /** The whole widget body for a ticket, or null when the front must ask SQL (not ready, ticket not known). */
  lookupTicket(ticketId: number, allowStale = false): TicketBody | null {
    if (!this.servable(allowStale)) return null;
    const contactId = this.directory.contactOfTicket(ticketId);
    if (contactId === undefined) return null;
    if (contactId === 0) {
      this.counters.hits++;
      this.counters.empty++;
      return NO_CONTACT;
    }
    const name = this.directory.nameJson(contactId);
    if (name === undefined) return null;
    const part = this.countedSlice(contactId);
    return [widgetBody(part, name), widgetTag(contactId, part, name), contactId];
  }

  /** The widget's assets part for a contact the front already knows, or null when not ready. */
  lookupContact(contactId: number): AssetsPart | null {
    if (!this.servable()) return null;
    return this.countedSlice(contactId);
  }

  /** A page of the contact's assets; null (ask SQL) when not ready or the contact is not known here. */
  contactAssets(contactId: number, after: PageCursor | null, limit: number): ContactPage | null {
    if (!this.servable() || this.directory.nameJson(contactId) === undefined) return null;
    const all = this.index.byContact(contactId);
    let start = after ? all.findIndex((e) => isAfter(e.createdAtUs, e.id, after)) : 0;
    if (start < 0) start = all.length;
    const page = all.slice(start, start + limit);
    const last = page.at(-1);
    return {
      total: all.length,
      assetsJson: `[${page.map((e) => e.fragment).join(',')}]`,
      versions: page.map((e) => e.version),
      next: last && start + limit < all.length ? { us: last.createdAtUs, id: last.id } : null,
    };
  }

  noteLookupTime(ms: number, count: number): void {
    if (ms <= this.slowLookupMs) return;
    this.counters.slowLookups++;
    this.logger.warn({ event: 'cache.slow_lookup', duration_ms: Math.round(ms * 1000) / 1000, batch: count }, 'slow cache lookup');
  }

  stats(): Pick<WorkerStats, 'hits' | 'empty' | 'slow_lookups'> {
    return { hits: this.counters.hits, empty: this.counters.empty, slow_lookups: this.counters.slowLookups };
  }

  private countedSlice(contactId: number) {
    const slice = this.index.widget(contactId);
    this.counters.hits++;
    if (slice.total === 0) this.counters.empty++;
    return slice;
  }
}
