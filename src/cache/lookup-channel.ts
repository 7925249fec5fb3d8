import type { Worker } from 'node:worker_threads';
import { LOOKUP_TICKET_STALE_OK, type LOOKUP_CONTACT, type LOOKUP_TICKET, type LookupBatch, type LookupKind, type LookupReply } from './protocol';

/** An answer and its tag (LookupReply): a ticket's body and ETag, or a contact's assets JSON and tag. */
export interface TaggedAnswer {
  text: string;
  tag: string;
  /** The ticket's contact (or the contact asked for); null: the ticket has none. */
  contactId: number | null;
}

interface Pending {
  /** `staleSeconds`: the reply's, see LookupReply. */
  resolve: (answer: TaggedAnswer | null, staleSeconds: number | null) => void;
  kind: number;
  startedAt: number;
}

/** An answer that may come from a snapshot no longer known fresh: `staleSeconds` set when it does. */
export interface MaybeStaleAnswer {
  answer: TaggedAnswer | null;
  staleSeconds: number | null;
}

/** Called with each answered lookup's kind and round trip in seconds (for the RPC latency histogram). */
export type LookupTimer = (kind: number, seconds: number) => void;

interface Batch {
  timer: NodeJS.Timeout;
  requestIds: number[];
}

/**
 * The lean lookup path to the cache worker: every lookup made in one event-loop turn goes out as one
 * message of [requestId, kind, id] triples, and the reply carries each answer as ready-made JSON text.
 * A lookup never rejects: on timeout or worker exit it resolves to null, and the caller asks SQL instead.
 */
export class LookupChannel {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private queue: number[] = [];
  private scheduled = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly timer?: LookupTimer,
  ) {}

  attach(worker: Worker): void {
    this.worker = worker;
  }

  /** Resolves every lookup still waiting with null, e.g. when the worker has exited. */
  detach(): void {
    this.worker = undefined;
    this.queue = [];
    for (const { resolve } of this.pending.values()) resolve(null, null);
    this.pending.clear();
  }

  lookup(kind: typeof LOOKUP_TICKET | typeof LOOKUP_CONTACT, id: number): Promise<TaggedAnswer | null> {
    if (!this.worker) return Promise.resolve(null);
    return new Promise<TaggedAnswer | null>((resolve) => this.enqueue(kind, id, resolve));
  }

  /** A ticket lookup the worker may answer from a snapshot no longer known fresh (grace, after SQL failed). */
  lookupStaleOk(ticketId: number): Promise<MaybeStaleAnswer> {
    if (!this.worker) return Promise.resolve({ answer: null, staleSeconds: null });
    return new Promise<MaybeStaleAnswer>((resolve) =>
      this.enqueue(LOOKUP_TICKET_STALE_OK, ticketId, (answer, staleSeconds) => resolve({ answer, staleSeconds })),
    );
  }

  private enqueue(kind: LookupKind, id: number, resolve: Pending['resolve']): void {
    const requestId = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    this.pending.set(requestId, { resolve, kind, startedAt: performance.now() });
    this.queue.push(requestId, kind, id);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Handles a reply from the worker; returns false for messages that are not lookup replies. */
  receive(message: unknown): boolean {
    const reply = message as LookupReply;
    if (reply?.type !== 'lookup') return false;
    const staleSeconds = reply.staleSeconds ?? null;
    for (let i = 0; i < reply.requestIds.length; i++) {
      const pending = this.pending.get(reply.requestIds[i]!);
      if (!pending) continue;
      this.pending.delete(reply.requestIds[i]!);
      this.timer?.(pending.kind, (performance.now() - pending.startedAt) / 1000);
      const text = reply.answers[i];
      const tag = reply.tags[i];
      pending.resolve(text != null && tag != null ? { text, tag, contactId: reply.contacts[i] || null } : null, staleSeconds);
    }
    return true;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private flush(): void {
    this.scheduled = false;
    const triples = this.queue;
    this.queue = [];
    if (triples.length === 0) return;
    const ids = Int32Array.from(triples);
    const batch: Batch = {
      requestIds: triples.filter((_, i) => i % 3 === 0),
      timer: setTimeout(() => this.expire(batch), this.timeoutMs),
    };
    // Left to fire even when every answer came in: a batch whose answers are all in finds nothing to expire,
    // which is cheaper than tracking completion per reply.
    batch.timer.unref();
    this.worker?.postMessage({ type: 'lookup', ids } satisfies LookupBatch, [ids.buffer]);
  }

  private expire(batch: Batch): void {
    for (const id of batch.requestIds) {
      const pending = this.pending.get(id);
      if (!pending) continue;
      this.pending.delete(id);
      pending.resolve(null, null);
    }
  }
}
