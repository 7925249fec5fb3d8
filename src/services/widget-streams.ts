import type { Writable } from 'node:stream';
import type { CacheClient } from '../cache/cache-client';
import type { Logger } from '../logger';
import type { ChangeNotice } from '../cache/protocol';
import type { WidgetAnswer, WidgetService } from './widget-service';

interface Watched {
  contactId: number | null;
  etag: string;
  streams: Set<Writable>;
  /** A recompute is running; `again`: another notice came meanwhile. */
  busy: boolean;
  again: boolean;
}

export interface WidgetStreamsOptions {
  /** WIDGET_STREAMS_MAX: open streams this instance accepts. */
  max: number;
  /** WIDGET_STREAM_HEARTBEAT_MS: a comment line this often keeps proxies from closing idle streams. */
  heartbeatMs: number;
  logger: Logger;
}

/**
 * Heartbeats go out in this many slices spread over the interval (each stream in one slice), so 2,000 open
 * streams cost 25 short ticks instead of one long one that delays every request behind it.
 */
const HEARTBEAT_SLICES = 25;

const event = (answer: Pick<WidgetAnswer, 'body' | 'etag'>) => `id: ${answer.etag}\ndata: ${answer.body}\n\n`;

/**
 * Live widgets (Server-Sent Events). The cache worker reports which contacts and tickets it changed, once per
 * event-loop turn; each watched ticket those touch is recomputed once from the cache, however many streams
 * watch it, and the new body goes to every one of them only when its ETag changed. No polling, no SQL per
 * subscriber.
 */
export class WidgetStreams {
  private readonly watched = new Map<number, Watched>();
  private open = 0;
  /** Shutting down: new streams get the current body and are ended, so their clients go to a sibling. */
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly slices: Set<Writable>[] = Array.from({ length: HEARTBEAT_SLICES }, () => new Set());
  private added = 0;
  private beats = 0;

  constructor(
    private readonly widget: WidgetService,
    cache: CacheClient,
    private readonly options: WidgetStreamsOptions,
  ) {
    cache.on('changes', (notice: ChangeNotice) => this.onChanges(notice));
    this.heartbeat = setInterval(() => this.beat(), Math.max(1, Math.floor(options.heartbeatMs / HEARTBEAT_SLICES)));
    this.heartbeat.unref();
  }

  get full(): boolean {
    return this.open >= this.options.max;
  }

  get size(): number {
    return this.open;
  }

  /** Adds a stream for `ticketId`; sends the current body unless the client already has it (Last-Event-ID). */
  add(ticketId: number, current: WidgetAnswer, lastEventId: string, stream: Writable): void {
    if (this.closed) {
      stream.end(`retry: 1000\n\n${lastEventId === current.etag ? '' : event(current)}`);
      return;
    }
    let watched = this.watched.get(ticketId);
    if (!watched) {
      watched = { contactId: current.contactId, etag: current.etag, streams: new Set(), busy: false, again: false };
      this.watched.set(ticketId, watched);
    }
    watched.streams.add(stream);
    this.slices[this.added++ % HEARTBEAT_SLICES]!.add(stream);
    this.open++;
    // A reconnecting EventSource retries quickly: it lands on any instance and resumes from its last id.
    stream.write('retry: 1000\n\n');
    if (lastEventId !== current.etag) stream.write(event(current));
  }

  remove(ticketId: number, stream: Writable): void {
    const watched = this.watched.get(ticketId);
    if (!watched?.streams.delete(stream)) return;
    for (const slice of this.slices) slice.delete(stream);
    this.open--;
    if (watched.streams.size === 0) this.watched.delete(ticketId);
  }

  /** Ends every stream (shutdown): their clients reconnect, to a sibling instance behind a balancer. */
  closeAll(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.each((stream) => stream.end());
    this.watched.clear();
    for (const slice of this.slices) slice.clear();
    this.open = 0;
  }

  /** One slice's heartbeat: every stream gets one each `heartbeatMs`. */
  private beat(): void {
    for (const stream of this.slices[this.beats++ % HEARTBEAT_SLICES]!) stream.write(': keep-alive\n\n');
  }

  private each(fn: (stream: Writable) => void): void {
    for (const watched of this.watched.values()) for (const stream of watched.streams) fn(stream);
  }

  private onChanges(notice: ChangeNotice): void {
    const contacts = new Set(notice.contacts);
    const tickets = new Set(notice.tickets);
    for (const [ticketId, watched] of this.watched) {
      const touched = notice.all || tickets.has(ticketId) || (watched.contactId !== null && contacts.has(watched.contactId));
      if (touched) void this.recompute(ticketId, watched);
    }
  }

  private async recompute(ticketId: number, watched: Watched): Promise<void> {
    if (watched.busy) {
      watched.again = true;
      return;
    }
    watched.busy = true;
    try {
      do {
        watched.again = false;
        const answer = await this.widget.forTicket(ticketId);
        watched.contactId = answer.contactId;
        if (answer.etag === watched.etag) continue;
        watched.etag = answer.etag;
        const text = event(answer);
        for (const stream of watched.streams) stream.write(text);
      } while (watched.again);
    } catch (err) {
      // Never leave a stream silently stale: end it, and its client reconnects and gets the current state.
      this.options.logger.warn({ err, event: 'widget_stream.recompute_failed', ticket_id: ticketId }, 'live widget streams ended');
      for (const stream of [...watched.streams]) {
        stream.end();
        this.remove(ticketId, stream);
      }
    } finally {
      watched.busy = false;
    }
  }
}
