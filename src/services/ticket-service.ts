import type { Queryable } from '../db/pool';
import { ticketsRepository, type TicketSummary } from '../db/repositories/tickets';

/** Tickets as the demo pages list them; any signed-in user may read them. */
export class TicketService {
  constructor(private readonly db: Queryable) {}

  recent(limit: number): Promise<TicketSummary[]> {
    return ticketsRepository.recent(this.db, limit);
  }
}
