import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { PUBLICATION, reportedAs } from './wal-slot';
import { WalTransaction, type CommittedChanges } from './wal-transaction';

const WAL_APPLICATION_NAME = 'asset-cache-wal';
/** pgoutput sends text; the relay reads dates and timestamps in one fixed form (feed-rows.ts). */
const REPLICATION_SETTINGS = '-c DateStyle=ISO,YMD -c TimeZone=UTC';
/**
 * A keepalive's position is confirmed this long after it arrives, not at once: while the confirmed position
 * is behind what it has sent, the walsender sends a keepalive every time it waits for WAL, so answering each
 * at once kept a keepalive ping-pong going at the writers' commit rate (CPU in the leader and the walsender).
 */
const KEEPALIVE_CONFIRM_MS = 200;
/**
 * A stream that stays connected but delivers nothing (a stopped walsender, a half-open connection) would
 * leave the cache stale while the leader looks healthy. After this long with nothing received the server is
 * asked for a reply (a status update with the reply flag, answered at once by a live walsender, even in the
 * middle of decoding a large transaction); with no answer as long again, the stream is stalled.
 */
export const STREAM_PROBE_MS = 5_000;
/** Without a position confirmed on this stream yet there is none to send with the question: PostgreSQL's own wal_receiver_timeout. */
const UNPROBED_STALL_MS = 60_000;

export interface WalStreamHandlers {
  /** A transaction committed upstream, decoded into the relay's rows. */
  committed(changes: CommittedChanges): void;
  /** Nothing received is left unpublished: a keepalive's position may be confirmed. */
  idle(): boolean;
  /** Streaming has begun. */
  started(): void;
}

/**
 * One subscription to the slot with pgoutput, decoding transactions in commit order. A new stream each time:
 * the library would otherwise ask to start at the last LSN it received, skipping what was received but never
 * confirmed. Starting at 0/0 means "the slot's confirmed LSN".
 */
export class WalStream {
  private readonly service: LogicalReplicationService;
  private transaction: WalTransaction | undefined;
  /** The last keepalive's position, not confirmed yet; forgotten when anything else arrives or is confirmed. */
  private keepaliveLsn: string | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private heardMs = Date.now();
  private probedMs: number | undefined;
  /** The last position confirmed on this stream: a probe repeats it, so it never moves the slot. */
  private confirmed: string | undefined;

  constructor(
    databaseUrl: string,
    private readonly handlers: WalStreamHandlers,
  ) {
    this.service = new LogicalReplicationService(
      { connectionString: databaseUrl, application_name: WAL_APPLICATION_NAME, options: REPLICATION_SETTINGS },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
  }

  /** Streams from `slot` until the connection ends; resolves with why, if it failed. */
  run(slot: string): Promise<Error | undefined> {
    const service = this.service;
    return new Promise<Error | undefined>((resolve) => {
      service.on('error', (err: Error) => resolve(err));
      service.on('data', (lsn: string, message: Pgoutput.Message) => this.onMessage(lsn, message));
      service.on('heartbeat', (lsn: string, _time: number, reply: boolean) => this.onKeepalive(lsn, reply));
      service.on('start', () => this.handlers.started());
      service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [PUBLICATION] }), slot).then(
        () => resolve(undefined),
        (err: Error) => resolve(err),
      );
    });
  }

  /** Tells the server everything up to `lsn` is handled. */
  async acknowledge(lsn: string): Promise<void> {
    this.keepaliveLsn = undefined;
    this.confirmed = lsn;
    await this.service.acknowledge(reportedAs(lsn));
  }

  /** Called now and then: asks a silent server for a reply; true once it has failed to answer (stalled). */
  stalled(now = Date.now()): boolean {
    const silentMs = now - this.heardMs;
    if (this.confirmed === undefined) return silentMs > UNPROBED_STALL_MS;
    if (silentMs < STREAM_PROBE_MS) return false;
    if (this.probedMs === undefined) {
      this.probedMs = now;
      void this.service.acknowledge(reportedAs(this.confirmed), true);
      return false;
    }
    return now - this.probedMs > STREAM_PROBE_MS;
  }

  async destroy(): Promise<void> {
    clearTimeout(this.keepaliveTimer);
    await this.service.destroy();
  }

  /**
   * Ends a stalled stream at once: a clean end waits for the server to close its side, which a stopped
   * walsender never does. `run` then resolves with the connection's error.
   */
  abort(): void {
    (this.service as unknown as { _client?: { connection?: { stream?: { destroy(): void } } } })._client?.connection?.stream?.destroy();
  }

  private heard(): void {
    this.heardMs = Date.now();
    this.probedMs = undefined;
  }

  private onMessage(lsn: string, message: Pgoutput.Message): void {
    this.heard();
    this.keepaliveLsn = undefined;
    // The parser keeps the relation and reads later rows with its columns' parsers: text as sent is wanted.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = (text: string) => text;
    // The library reads the xid as a signed 32-bit number.
    else if (message.tag === 'begin') this.transaction = new WalTransaction(message.xid >>> 0);
    else if (message.tag === 'commit') {
      const committed = this.transaction?.commit(message.commitEndLsn ?? lsn, Number((message.commitTime as bigint) / 1000n));
      this.transaction = undefined;
      if (committed) this.handlers.committed(committed);
    } else this.transaction?.note(message);
  }

  /**
   * A keepalive while nothing is received and unpublished: everything up to it is handled, so it is confirmed,
   * at once if the server asks for a reply, else KEEPALIVE_CONFIRM_MS later unless something arrived meanwhile.
   */
  private onKeepalive(lsn: string, reply: boolean): void {
    this.heard();
    this.keepaliveLsn = lsn;
    if (reply) this.confirmKeepalive();
    else this.keepaliveTimer ??= setTimeout(() => this.confirmKeepalive(), KEEPALIVE_CONFIRM_MS);
  }

  private confirmKeepalive(): void {
    clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    const lsn = this.keepaliveLsn;
    if (lsn !== undefined && !this.transaction && this.handlers.idle()) void this.acknowledge(lsn);
  }
}
