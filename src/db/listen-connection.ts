import pg from 'pg';
import { Backoff } from '../backoff';
import { safeError, type Logger } from '../logger';

export interface ListenConnectionOptions {
  databaseUrl: string;
  channel: string;
  applicationName: string;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  logger: Logger;
  /** Log event prefix, e.g. `feed` → `feed.lost`. */
  name: string;
  /** Makes the connection; tests pass a fake. */
  createClient?: (config: pg.ClientConfig) => pg.Client;
}

export interface ListenEvents {
  /** Every notification on the channel but our own heartbeats. */
  payload(text: string | undefined): void;
  /** LISTEN is in place; `again` after a loss (whatever came meanwhile was missed). */
  listening(again: boolean): void;
  /** The connection is gone or silent: notifications may be missed from now on. Called before anything awaits. */
  lost(): void;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 10_000;
const HEARTBEAT_PREFIX = '{"t":"hb"';

/**
 * LISTEN on its own connection (never a pooled one), for the change feed and the credential feed alike.
 * LISTEN is lossy: a dropped connection loses whatever was sent meanwhile, and a connection can also die
 * silently. So it sends itself a heartbeat notification and treats one not back in time as a loss; after any
 * loss it reconnects with backoff (200 ms doubling to 10 s) and says so, so its owner can resync.
 */
export class ListenConnection {
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingBeat: { nonce: string; timer: NodeJS.Timeout; sentAt: number } | undefined;
  private readonly backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  private stopped = false;
  private everListened = false;
  private beats = 0;
  reconnects = 0;
  /** Round trip of the last heartbeat through PostgreSQL. */
  lastHeartbeatMs: number | null = null;
  /** Read at each connect: the change feed names its listener apart in WAL mode. */
  applicationName: string;

  constructor(
    private readonly options: ListenConnectionOptions,
    private readonly events: ListenEvents,
  ) {
    this.applicationName = options.applicationName;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and LISTENs, retrying with backoff until it succeeds or the connection is stopped. */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch (err) {
        const retryInMs = this.backoff.next();
        this.options.logger.warn({ err: safeError(err), event: `${this.options.name}.connect_failed`, retry_in_ms: retryInMs }, `${this.options.name} connect failed`);
        await new Promise((r) => setTimeout(r, retryInMs));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.drop();
  }

  private async connect(): Promise<void> {
    const config = { connectionString: this.options.databaseUrl, application_name: this.applicationName, keepAlive: true };
    const client = this.options.createClient ? this.options.createClient(config) : new pg.Client(config);
    client.on('error', (err) => this.onLoss('error', err));
    client.on('end', () => this.onLoss('end'));
    client.on('notification', (message) => this.onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (err) {
      await release(client);
      throw err;
    }
    if (this.stopped) return release(client);
    this.client = client;
    this.backoff.reset();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    const again = this.everListened;
    this.everListened = true;
    if (again) this.reconnects++;
    this.options.logger.info({ event: `${this.options.name}.listening`, reconnects: this.reconnects }, `${this.options.name} listening`);
    this.events.listening(again);
  }

  private onNotification(payload: string | undefined): void {
    if (!payload?.startsWith(HEARTBEAT_PREFIX)) return this.events.payload(payload);
    let nonce: unknown;
    try {
      nonce = (JSON.parse(payload) as { n?: unknown }).n;
    } catch {
      return this.events.payload(payload);
    }
    if (!this.awaitingBeat || nonce !== this.awaitingBeat.nonce) return;
    this.lastHeartbeatMs = Math.round((performance.now() - this.awaitingBeat.sentAt) * 100) / 100;
    clearTimeout(this.awaitingBeat.timer);
    this.awaitingBeat = undefined;
  }

  /** Sends a heartbeat through the database to ourselves; silence past the timeout counts as a loss. */
  private beat(): void {
    if (!this.client || this.awaitingBeat) return;
    const nonce = `${process.pid}-${++this.beats}`;
    const timer = setTimeout(() => this.onLoss('heartbeat timeout'), this.options.heartbeatTimeoutMs);
    this.awaitingBeat = { nonce, timer, sentAt: performance.now() };
    this.client
      .query('SELECT pg_notify($1, $2)', [this.options.channel, JSON.stringify({ t: 'hb', n: nonce })])
      .catch((err: Error) => this.onLoss('heartbeat failed', err));
  }

  private onLoss(reason: string, err?: Error): void {
    if (!this.client || this.stopped) return;
    this.events.lost();
    this.options.logger.warn({ err: err && safeError(err), event: `${this.options.name}.lost`, reason }, `${this.options.name} connection lost`);
    void this.drop();
    void (async () => {
      await new Promise((r) => setTimeout(r, this.backoff.next()));
      await this.start();
    })();
  }

  private async drop(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.awaitingBeat) clearTimeout(this.awaitingBeat.timer);
    this.awaitingBeat = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) await release(client);
  }
}

/** Ends a client we let go of; errors after that are expected (it is half-closed), so one listener eats them. */
async function release(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
}
