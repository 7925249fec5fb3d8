import { Backoff } from '../src/backoff';
import { safeError, type Logger } from '../src/logger';
import { WalStream } from './wal-stream';
import type { CommittedChanges } from './wal-transaction';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WalConsumerEvents {
  /** A transaction committed upstream, decoded into the relay's rows. */
  committed(changes: CommittedChanges): void;
  /** Nothing received is left unpublished: a keepalive's position may be confirmed. */
  drained(): boolean;
  /** Before each stream: the slot checked (relay-slot.ts); a rejection gives up the lead. */
  checkSlot(): Promise<void>;
}

/**
 * The leader's reading of the slot: one stream (wal-stream.ts) after another, each resumed from the confirmed
 * LSN once the one before was lost, with a pause that doubles up to BACKOFF_MAX_MS; a stream connected but
 * silent is ended (`checkStall`). One consumer serves every lead its relay takes, so the counters are the
 * instance's; each lead is a generation, so a loop still pausing from a lead given up never streams beside
 * the next one.
 */
export class WalConsumer {
  private stream: WalStream | undefined;
  private readonly backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  private generation = 0;
  /** A stream is open and delivering. */
  streaming = false;
  /** Replication connections lost and resumed while leading (stalled ones too). */
  reconnects = 0;
  /** Streams that stayed connected but stopped delivering, ended by the probe. */
  stalls = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
    private readonly events: WalConsumerEvents,
  ) {}

  /** Streams from `slot` until `stop`; resolves with the error when the slot could not be checked. */
  async run(slot: string): Promise<Error | undefined> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    while (current()) {
      const checked = await this.events.checkSlot().catch((err: Error) => err);
      if (!current()) return undefined;
      if (checked instanceof Error) return checked;
      const stream: WalStream = new WalStream(this.databaseUrl, {
        committed: (changes) => this.events.committed(changes),
        idle: () => this.stream === stream && this.events.drained(),
        started: () => {
          this.streaming = true;
          this.backoff.reset();
          this.logger.info({ event: 'feed.wal_streaming', slot, reconnects: this.reconnects }, 'streaming changes from the WAL');
        },
      });
      this.stream = stream;
      const err = await stream.run(slot);
      this.streaming = false;
      await stream.destroy().catch(() => undefined);
      if (!current()) return undefined;
      this.reconnects++;
      const retryMs = this.backoff.next();
      this.logger.warn({ err: err && safeError(err), event: 'feed.wal_lost', retry_in_ms: retryMs }, 'replication connection lost; resuming from the confirmed LSN');
      await sleep(retryMs);
    }
    return undefined;
  }

  /** Tells the server everything up to `lsn` is handled. */
  async acknowledge(lsn: string): Promise<void> {
    await this.stream?.acknowledge(lsn);
  }

  /** Called every leader tick: a stream connected but silent, which did not answer a probe, is ended and resumed. */
  checkStall(slot: string): void {
    if (!this.streaming || !this.stream?.stalled()) return;
    this.streaming = false;
    this.stalls++;
    this.logger.error({ event: 'feed.wal_stalled', slot }, 'the replication stream is connected but silent and did not answer a probe; reconnecting');
    this.stream.abort();
  }

  /** Ends the current stream at once (a clean end would wait for a stalled walsender to close its side). */
  async stop(): Promise<void> {
    this.generation++;
    this.streaming = false;
    const stream = this.stream;
    this.stream = undefined;
    stream?.abort();
    await stream?.destroy().catch(() => undefined);
  }
}
