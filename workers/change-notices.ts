import type { ChangeNotice } from '../src/cache/protocol';

/**
 * Collects the contacts and tickets whose widget inputs the cache changed, and reports them once per
 * event-loop turn, so a burst of changes costs the front one notice (and each live widget one recompute).
 */
export class ChangeNotices {
  private contacts = new Set<number>();
  private tickets = new Set<number>();
  private all = false;
  private scheduled = false;

  constructor(private readonly send: (notice: ChangeNotice) => void) {}

  contact(contactId: number): void {
    if (contactId > 0) this.contacts.add(contactId);
    this.schedule();
  }

  ticket(ticketId: number): void {
    this.tickets.add(ticketId);
    this.schedule();
  }

  everything(): void {
    this.all = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const notice = { contacts: [...this.contacts], tickets: [...this.tickets], all: this.all };
      this.contacts.clear();
      this.tickets.clear();
      this.all = false;
      this.send(notice);
    });
  }
}
