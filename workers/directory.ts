/**
 * What the widget needs from `tickets` and `contacts`, so a cached ticket costs no SQL: ticket → contact as
 * one Int32Array indexed by ticket id (4 B per id up to the highest ticket id), and each contact's name as
 * ready-made JSON text in one UTF-8 buffer. Like the asset snapshot, it is built in the piscina thread,
 * transferred whole, and changes are layered on top until the next build replaces it.
 */

/** ticketContacts value for an id that is not a ticket. 0 means "a ticket without a contact". */
export const NO_TICKET = -1;

export interface PackedDirectory {
  ticketContacts: Int32Array<ArrayBuffer>;
  ticketCount: number;
  /** Contact ids, ascending. */
  nameKeys: Int32Array<ArrayBuffer>;
  /** nameKeys.length + 1 offsets into `names`. */
  nameOffsets: Uint32Array<ArrayBuffer>;
  /** Each contact's name, JSON-encoded (quotes included), back to back. */
  names: Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Accumulates tickets (any order) and contacts (ascending id) into a PackedDirectory. */
export class DirectoryBuilder {
  private tickets = new Int32Array(1024).fill(NO_TICKET);
  private ticketCount = 0;
  private keys: number[] = [];
  private offsets: number[] = [0];
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  addTicket(id: number, contactId: number | null): void {
    if (id >= this.tickets.length) {
      const grown = new Int32Array(Math.max(id + 1, this.tickets.length * 2)).fill(NO_TICKET);
      grown.set(this.tickets);
      this.tickets = grown;
    }
    this.tickets[id] = contactId ?? 0;
    this.ticketCount++;
  }

  addContact(id: number, nameJson: string): void {
    if (this.keys.length > 0 && id <= this.keys[this.keys.length - 1]!) throw new Error(`contact ${id} out of order`);
    const encoded = encoder.encode(nameJson);
    this.keys.push(id);
    this.chunks.push(encoded);
    this.bytes += encoded.length;
    this.offsets.push(this.bytes);
  }

  finish(): PackedDirectory {
    const names = new Uint8Array(this.bytes);
    let at = 0;
    for (const chunk of this.chunks) {
      names.set(chunk, at);
      at += chunk.length;
    }
    let last = this.tickets.length - 1;
    while (last >= 0 && this.tickets[last] === NO_TICKET) last--;
    return {
      ticketContacts: this.tickets.slice(0, last + 1),
      ticketCount: this.ticketCount,
      nameKeys: Int32Array.from(this.keys),
      nameOffsets: Uint32Array.from(this.offsets),
      names,
    };
  }
}

export function emptyDirectory(): PackedDirectory {
  return new DirectoryBuilder().finish();
}

export function directoryTransferList(d: PackedDirectory): ArrayBuffer[] {
  return [d.ticketContacts.buffer, d.nameKeys.buffer, d.nameOffsets.buffer, d.names.buffer];
}

interface Change<T> {
  value: T;
  epoch: number;
}

/** The live directory: a packed base plus the ticket and contact changes applied since it was built. */
export class Directory {
  private tickets = new Map<number, Change<number>>();
  private names = new Map<number, Change<string | undefined>>();
  private epoch = 0;

  constructor(private base: PackedDirectory) {}

  /** The ticket's contact id, 0 for a ticket without a contact, undefined when the ticket is not known here. */
  contactOfTicket(ticketId: number): number | undefined {
    const changed = this.tickets.get(ticketId);
    const contactId = changed ? changed.value : (this.base.ticketContacts[ticketId] ?? NO_TICKET);
    return contactId === NO_TICKET ? undefined : contactId;
  }

  /** The contact's name as JSON text, undefined when the contact is not known here. */
  nameJson(contactId: number): string | undefined {
    const changed = this.names.get(contactId);
    if (changed) return changed.value;
    const { nameKeys, nameOffsets, names } = this.base;
    let low = 0;
    let high = nameKeys.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const key = nameKeys[mid]!;
      if (key === contactId) return decoder.decode(names.subarray(nameOffsets[mid]!, nameOffsets[mid + 1]!));
      if (key < contactId) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Records a ticket as re-read from the database; null contact = none, undefined = the ticket is gone. */
  setTicket(ticketId: number, contactId: number | null | undefined): void {
    this.tickets.set(ticketId, { value: contactId === undefined ? NO_TICKET : (contactId ?? 0), epoch: this.epoch });
  }

  /** Records a contact's name as re-read from the database (JSON text); undefined = the contact is gone. */
  setContact(contactId: number, nameJson: string | undefined): void {
    this.names.set(contactId, { value: nameJson, epoch: this.epoch });
  }

  /** Marks the start of a build; see rebase. */
  beginEpoch(): number {
    return ++this.epoch;
  }

  /**
   * Swaps in a newer base. Changes applied before the build began are in it and are dropped. Changes applied
   * during the build are kept, but they carry no version to compare, so their ids are returned for one more
   * re-read: whichever of the snapshot or the change is newer, the re-read brings the truth.
   */
  rebase(next: PackedDirectory, buildEpoch: number): { tickets: number[]; contacts: number[] } {
    const keep = <T>(changes: Map<number, Change<T>>) => {
      for (const [id, change] of changes) if (change.epoch < buildEpoch) changes.delete(id);
      return [...changes.keys()];
    };
    this.base = next;
    return { tickets: keep(this.tickets), contacts: keep(this.names) };
  }

  /** Tickets in the base; changes since are counted in overlaySize. */
  get ticketCount(): number {
    return this.base.ticketCount;
  }

  get overlaySize(): number {
    return this.tickets.size + this.names.size;
  }
}
