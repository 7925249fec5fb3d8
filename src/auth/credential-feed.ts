import pg from 'pg';
import { safeError, type Logger } from '../logger';

export const AUTH_CHANNEL = 'awc_auth_changes';
export const AUTH_LISTEN_APPLICATION_NAME = 'awc-auth-listen';

export interface CredentialFeedOptions {
  databaseUrl: string;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  logger: Logger;
  /** Makes the LISTEN connection; tests pass a fake. */
  createClient?: (config: pg.ClientConfig) => pg.Client;
}

/** What the feed tells the credential cache. */
export interface CredentialFeedEvents {
  /** A user, or one of its tokens or sessions, changed: drop what is cached for it. */
  userChanged(userId: number): void;
  /** Every credential may have changed (a TRUNCATE). */
  allChanged(): void;
  /** LISTEN is in place (at start, and again after a loss): changes are heard from now on. */
  listening(): void;
  /** The connection is gone or silent: changes may be missed from now on. */
  lost(): void;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/**
 * The main thread's LISTEN on `awc_auth_changes` (migration 004), on its own connection. LISTEN is lossy and
 * a connection can die without a word, so, like the asset change feed, it sends itself a heartbeat and counts
 * one not back in time as a loss; after a loss it reconnects with backoff (200 ms doubling to 10 s).
 * Notifications carry user ids only; nothing secret travels or is logged.
 */
export class CredentialFeed {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingBeat: { nonce: string; timer: NodeJS.Timeout } | undefined;
  private backoff = BACKOFF_MIN_MS;
  private stopped = false;
  private beats = 0;
  reconnects = 0;

  constructor(
    private readonly options: CredentialFeedOptions,
    private readonly events: CredentialFeedEvents,
  ) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs, retrying with backoff until it succeeds or the feed is stopped. */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch (err) {
        this.options.logger.warn({ err: safeError(err), event: 'auth_feed.connect_failed', retry_in_ms: this.backoff }, 'credential feed connect failed');
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
    const config = { connectionString: this.options.databaseUrl, application_name: AUTH_LISTEN_APPLICATION_NAME, keepAlive: true };
    const client = this.options.createClient ? this.options.createClient(config) : new pg.Client(config);
    client.on('error', (err) => this.onLoss('error', err));
    client.on('end', () => this.onLoss('end'));
    client.on('notification', (message) => this.onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff = BACKOFF_MIN_MS;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    this.events.listening();
    this.options.logger.info({ event: 'auth_feed.listening', reconnects: this.reconnects }, 'listening for credential changes');
  }

  private onNotification(payload: string | undefined): void {
    let message: { t?: unknown; u?: unknown; n?: unknown };
    try {
      message = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    if (message.t === 'hb') {
      if (this.awaitingBeat && message.n === this.awaitingBeat.nonce) {
        clearTimeout(this.awaitingBeat.timer);
        this.awaitingBeat = undefined;
      }
      return;
    }
    if (message.t === 'all') this.events.allChanged();
    else if (Number.isInteger(message.u)) this.events.userChanged(message.u as number);
  }

  private beat(): void {
    if (!this.client || this.awaitingBeat) return;
    const nonce = `${process.pid}-${++this.beats}`;
    const timer = setTimeout(() => this.onLoss('heartbeat timeout'), this.options.heartbeatTimeoutMs);
    this.awaitingBeat = { nonce, timer };
    this.client
      .query('SELECT pg_notify($1, $2)', [AUTH_CHANNEL, JSON.stringify({ t: 'hb', n: nonce })])
      .catch((err: Error) => this.onLoss('heartbeat failed', err));
  }

  private onLoss(reason: string, err?: Error): void {
    if (!this.client || this.stopped) return;
    // First, before anything can await: from here on the cache must not answer from memory.
    this.events.lost();
    this.options.logger.warn({ err: err && safeError(err), event: 'auth_feed.lost', reason }, 'credential feed connection lost');
    void this.drop();
    void (async () => {
      await new Promise((r) => setTimeout(r, this.nextBackoff()));
      await this.start();
      if (!this.stopped) this.reconnects++;
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
    client.removeAllListeners('error');
    // Errors after we let go of a client are expected (it is half-closed); keep one listener so they are not fatal.
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }
}
