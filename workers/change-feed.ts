import pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import { parseChangeMessage, type ChangeKind, type InvalidReason } from './change-message';

export type { ChangeKind } from './change-message';

export const CHANGE_CHANNEL = 'awc_changes';
export const LISTEN_APPLICATION_NAME = 'asset-cache-listen';
/** How much of a refused payload goes into its log line. */
const LOGGED_PAYLOAD_CHARS = 200;

export interface ChangeFeedOptions {
  databaseUrl: string;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  logger: Logger;
}

export interface ChangeFeedEvents {
  /** `version`: the asset row's version after an insert or update; absent for deletes and other kinds. */
  change(kind: ChangeKind, id: number, version?: number): void;
  /** The connection is gone: changes may have been missed from now on. */
  lost(): void;
  /** LISTEN is in place again after a loss; the caller must resync whatever it missed. */
  restored(): void;
  /** The WAL relay says changes were lost upstream (new slot, TRUNCATE): the caller must resync. */
  resync(): void;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/**
 * The LISTEN side of the change feed, on its own connection (never a pooled one). LISTEN is lossy: a dropped
 * connection loses whatever was sent meanwhile, and a connection can also die silently. So the feed sends
 * itself a heartbeat notification and treats one that does not come back in time as a loss; after any loss
 * it reconnects with backoff, re-LISTENs, and says so, so the cache can resync.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingBeat: { nonce: string; timer: NodeJS.Timeout; sentAt: number } | undefined;
  private backoff = BACKOFF_MIN_MS;
  private stopped = false;
  private beats = 0;
  /** Reasons already logged: a flood of bad payloads is counted, not logged line by line. */
  private readonly invalidLogged = new Set<InvalidReason>();
  reconnects = 0;
  /** Payloads refused by parseChangeMessage. */
  invalid = 0;
  lastHeartbeatMs: number | null = null;
  /** Set before start: in WAL mode the listener is named apart, so the relay can tell notify-mode instances. */
  applicationName = LISTEN_APPLICATION_NAME;

  constructor(
    private readonly options: ChangeFeedOptions,
    private readonly events: ChangeFeedEvents,
  ) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs, retrying with backoff until it succeeds (or the feed is stopped). */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch (err) {
        this.options.logger.warn({ err: safeError(err), event: 'feed.connect_failed', retry_in_ms: this.backoff }, 'change feed connect failed');
        await new Promise((r) => setTimeout(r, this.nextBackoff()));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.drop();
  }

  private nextBackoff(): number {
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    return delay;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: this.applicationName,
      keepAlive: true,
    });
    client.on('error', (err) => this.onLoss('error', err));
    client.on('end', () => this.onLoss('end'));
    client.on('notification', (message) => this.onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.backoff = BACKOFF_MIN_MS;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.options.logger.info({ event: 'feed.listening', reconnects: this.reconnects }, 'listening for changes');
  }

  /** Validates one payload; a refused one is counted and, the first time for its reason, logged. */
  private onNotification(payload: string | undefined): void {
    const message = parseChangeMessage(payload);
    if (message.type === 'change') {
      this.events.change(message.kind, message.id, message.version);
    } else if (message.type === 'resync') {
      this.options.logger.warn({ event: 'feed.resync_requested' }, 'the WAL relay asked every instance to resync');
      this.events.resync();
    } else if (message.type === 'heartbeat') {
      if (this.awaitingBeat && message.nonce === this.awaitingBeat.nonce) {
        this.lastHeartbeatMs = Math.round((performance.now() - this.awaitingBeat.sentAt) * 100) / 100;
        clearTimeout(this.awaitingBeat.timer);
        this.awaitingBeat = undefined;
      }
    } else {
      this.invalid++;
      if (this.invalidLogged.has(message.reason)) return;
      this.invalidLogged.add(message.reason);
      this.options.logger.warn(
        { event: 'feed.invalid_notification', reason: message.reason, payload: (payload ?? '').slice(0, LOGGED_PAYLOAD_CHARS) },
        'change notification refused (logged once per reason; counted in feed_invalid)',
      );
    }
  }

  /** Sends a heartbeat through the database to ourselves; silence past the timeout counts as a loss. */
  private beat(): void {
    if (!this.client || this.awaitingBeat) return;
    const nonce = `${process.pid}-${++this.beats}`;
    const timer = setTimeout(() => this.onLoss('heartbeat timeout'), this.options.heartbeatTimeoutMs);
    this.awaitingBeat = { nonce, timer, sentAt: performance.now() };
    this.client
      .query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify({ t: 'hb', n: nonce })])
      .catch((err: Error) => this.onLoss('heartbeat failed', err));
  }

  private onLoss(reason: string, err?: Error): void {
    if (!this.client || this.stopped) return;
    this.options.logger.warn({ err: err && safeError(err), event: 'feed.lost', reason }, 'change feed connection lost');
    void this.drop();
    this.events.lost();
    void (async () => {
      await new Promise((r) => setTimeout(r, this.nextBackoff()));
      await this.start();
      if (this.stopped) return;
      this.reconnects++;
      this.events.restored();
    })();
  }

  private async drop(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.awaitingBeat) clearTimeout(this.awaitingBeat.timer);
    this.awaitingBeat = undefined;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    // Errors after we let go of a client are expected (it is half-closed); keep one listener so they are not fatal.
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }
}
