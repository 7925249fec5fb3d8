/**
 * What the widget needs from `tickets` and `contacts`, so a cached ticket costs no SQL: ticket → contact, and
 * each contact's name as ready-made JSON text in one UTF-8 buffer. Like the asset snapshot, it is built in the
 * piscina thread, transferred whole, and changes are layered on top until the next build replaces it.
 *
 * Tickets are held densely (one Int32 per id up to the highest id: 4 B per id, one array read per lookup)
 * while ids are dense, and as sorted (id, contact) pairs with a binary search (8 B per ticket) once they
 * are not: memory then follows the number of tickets, so a single ticket id near 2^31 cannot cost 8 GiB.
 */
import { jsonStringRoom, writeJsonString } from './json-bytes';
import { ascending, sortedPermutation } from './radix-sort';
import { indexOfSorted } from './sorted-search';

/** ticketContacts value for an id that is not a ticket. 0 means "a ticket without a contact". */
export const NO_TICKET = -1;

/** Dense while the highest id is at most this many times the ticket count (where dense is no bigger than sparse). */
const DENSE_MAX_SPREAD = 2;
/** Below this highest id, dense costs at most a few KiB whatever the count. */
const DENSE_ALWAYS_BELOW = 4096;

export interface PackedDirectory {
  /** Dense: indexed by ticket id. Sparse: the contact of `ticketIds[i]`. */
  ticketContacts: Int32Array<ArrayBuffer>;
  /** Sparse layout only: ticket ids ascending; empty for the dense layout. */
  ticketIds: Int32Array<ArrayBuffer>;
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

/** The ticket's contact in a packed directory (0 = none), or NO_TICKET. */
export function packedContactOf(d: PackedDirectory, ticketId: number): number {
  if (d.ticketIds.length === 0) return d.ticketContacts[ticketId] ?? NO_TICKET;
  const at = indexOfSorted(d.ticketIds, ticketId);
  return at < 0 ? NO_TICKET : d.ticketContacts[at]!;
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}

/** Accumulates tickets (any order) and contacts (ascending id) into a PackedDirectory. */
export class DirectoryBuilder {
  private ids = new Int32Array(1024);
  private contacts = new Int32Array(1024);
  private ticketCount = 0;
  private maxTicketId = -1;
  private keys: number[] = [];
  private offsets: number[] = [0];
  /** Every name so far, back to back, in a buffer that doubles when full. */
  private names = new Uint8Array(64 * 1024);
  private bytes = 0;

  addTicket(id: number, contactId: number | null): void {
    if (this.ticketCount === this.ids.length) {
      this.ids = grow(this.ids);
      this.contacts = grow(this.contacts);
    }
    this.ids[this.ticketCount] = id;
    this.contacts[this.ticketCount] = contactId ?? 0;
    this.ticketCount++;
    if (id > this.maxTicketId) this.maxTicketId = id;
  }

  addContact(id: number, nameJson: string): void {
    const room = this.nameRoom(id, nameJson.length * 3);
    this.endName(id, this.bytes + encoder.encodeInto(nameJson, room.subarray(this.bytes)).written);
  }

  /** A contact whose name arrives as UTF-8 bytes (`src[start .. start + length)`): JSON-encoded straight from them. */
  addContactName(id: number, src: Uint8Array, start: number, length: number): void {
    const room = this.nameRoom(id, jsonStringRoom(length));
    this.endName(id, writeJsonString(room, this.bytes, src, start, length));
  }

  finish(): PackedDirectory {
    return {
      ...this.packTickets(),
      ticketCount: this.ticketCount,
      nameKeys: Int32Array.from(this.keys),
      nameOffsets: Uint32Array.from(this.offsets),
      names: this.names.slice(0, this.bytes),
    };
  }

  private nameRoom(id: number, maxBytes: number): Uint8Array {
    if (this.keys.length > 0 && id <= this.keys[this.keys.length - 1]!) throw new Error(`contact ${id} out of order`);
    if (this.bytes + maxBytes > this.names.length) {
      const grown = new Uint8Array(Math.max(this.names.length * 2, this.bytes + maxBytes));
      grown.set(this.names.subarray(0, this.bytes));
      this.names = grown;
    }
    return this.names;
  }

  private endName(id: number, end: number): void {
    this.keys.push(id);
    this.bytes = end;
    this.offsets.push(end);
  }

  private packTickets(): Pick<PackedDirectory, 'ticketContacts' | 'ticketIds'> {
    const n = this.ticketCount;
    const span = this.maxTicketId + 1;
    if (span <= DENSE_ALWAYS_BELOW || span <= n * DENSE_MAX_SPREAD) {
      const dense = new Int32Array(span).fill(NO_TICKET);
      for (let i = 0; i < n; i++) dense[this.ids[i]!] = this.contacts[i]!;
      return { ticketContacts: dense, ticketIds: new Int32Array(0) };
    }
    const order = sortedPermutation(n, [(i) => ascending(this.ids[i]!)]);
    const ticketIds = new Int32Array(n);
    const ticketContacts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ticketIds[i] = this.ids[order[i]!]!;
      ticketContacts[i] = this.contacts[order[i]!]!;
    }
    return { ticketContacts, ticketIds };
  }
}

export function emptyDirectory(): PackedDirectory {
  return new DirectoryBuilder().finish();
}

export function directoryTransferList(d: PackedDirectory): ArrayBuffer[] {
  return [d.ticketContacts.buffer, d.ticketIds.buffer, d.nameKeys.buffer, d.nameOffsets.buffer, d.names.buffer];
}

interface Change<T> {
  value: T;
  epoch: number;
  /** Directory.writes when it was recorded. */
  write: number;
}

/** The live directory: a packed base plus the ticket and contact changes applied since it was built. */
export class Directory {
  private tickets = new Map<number, Change<number>>();
  private names = new Map<number, Change<string | undefined>>();
  private epoch = 0;
  /** Counts the changes recorded: a re-read notes it before its query (writeMark). */
  private writes = 0;
  /** Told every ticket or contact re-read into the directory (the live widgets' notices). */
  onChanged: ((kind: 'ticket' | 'contact', id: number) => void) | undefined;

  constructor(private base: PackedDirectory) {}

  /** The ticket's contact id, 0 for a ticket without a contact, undefined when the ticket is not known here. */
  contactOfTicket(ticketId: number): number | undefined {
    const changed = this.tickets.get(ticketId);
    const contactId = changed ? changed.value : packedContactOf(this.base, ticketId);
    return contactId === NO_TICKET ? undefined : contactId;
  }

  /** The contact's name as JSON text, undefined when the contact is not known here. */
  nameJson(contactId: number): string | undefined {
    const changed = this.names.get(contactId);
    if (changed) return changed.value;
    const { nameKeys, nameOffsets, names } = this.base;
    const at = indexOfSorted(nameKeys, contactId);
    return at < 0 ? undefined : decoder.decode(names.subarray(nameOffsets[at]!, nameOffsets[at + 1]!));
  }

  /**
   * Where the changes recorded so far end. Tickets and contacts carry no version: a re-read passes the mark
   * taken before its query as `readSince`, so that a WAL relay row applied while the query was out (a commit
   * its snapshot may not have seen) is not overwritten by what it read; the relay delivers anything newer.
   */
  get writeMark(): number {
    return this.writes;
  }

  /** Records a ticket (feed row or re-read); null contact = none, undefined = the ticket is gone. */
  setTicket(ticketId: number, contactId: number | null | undefined, readSince?: number): void {
    if (this.recordedSince(this.tickets, ticketId, readSince)) return;
    this.onChanged?.('ticket', ticketId);
    this.tickets.set(ticketId, { value: contactId === undefined ? NO_TICKET : (contactId ?? 0), epoch: this.epoch, write: ++this.writes });
  }

  /** Records a contact's name (JSON text; feed row or re-read); undefined = the contact is gone. */
  setContact(contactId: number, nameJson: string | undefined, readSince?: number): void {
    if (this.recordedSince(this.names, contactId, readSince)) return;
    this.onChanged?.('contact', contactId);
    this.names.set(contactId, { value: nameJson, epoch: this.epoch, write: ++this.writes });
  }

  private recordedSince<T>(changes: Map<number, Change<T>>, id: number, mark: number | undefined): boolean {
    return mark !== undefined && (changes.get(id)?.write ?? 0) > mark;
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
