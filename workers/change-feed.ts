import { ListenConnection } from '../src/db/listen-connection';
import type { Logger } from '../src/logger';
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
  /** The WAL relay published batch `seq` (`batch`), or its heartbeat says `seq` is the last one. */
  relay(seq: number, batch: boolean): void;
}

/**
 * The change feed: `awc_changes` notifications (from the triggers, or republished by the WAL relay) on a
 * heartbeat-checked LISTEN connection (src/db/listen-connection.ts), validated before anything acts on them.
 */
export class ChangeFeed {
  private readonly listen: ListenConnection;
  /** Reasons already logged: a flood of bad payloads is counted, not logged line by line. */
  private readonly invalidLogged = new Set<InvalidReason>();
  /** Payloads refused by parseChangeMessage. */
  invalid = 0;

  constructor(
    private readonly options: ChangeFeedOptions,
    private readonly events: ChangeFeedEvents,
  ) {
    this.listen = new ListenConnection(
      { ...options, channel: CHANGE_CHANNEL, applicationName: LISTEN_APPLICATION_NAME, name: 'feed' },
      {
        payload: (text) => this.onNotification(text),
        listening: (again) => (again ? events.restored() : undefined),
        lost: () => events.lost(),
      },
    );
  }

  /** Set before start: in WAL mode the listener is named apart, so the relay can tell notify-mode instances. */
  set applicationName(name: string) {
    this.listen.applicationName = name;
  }

  get connected(): boolean {
    return this.listen.connected;
  }

  get reconnects(): number {
    return this.listen.reconnects;
  }

  get lastHeartbeatMs(): number | null {
    return this.listen.lastHeartbeatMs;
  }

  /** Connects and LISTENs, retrying with backoff until it succeeds (or the feed is stopped). */
  start(): Promise<void> {
    return this.listen.start();
  }

  stop(): Promise<void> {
    return this.listen.stop();
  }

  /** Validates one payload; a refused one is counted and, the first time for its reason, logged. */
  private onNotification(payload: string | undefined): void {
    const message = parseChangeMessage(payload);
    if (message.type === 'change') {
      this.events.change(message.kind, message.id, message.version);
    } else if (message.type === 'relay') {
      this.events.relay(message.seq, message.batch);
    } else if (message.type !== 'heartbeat') {
      this.invalid++;
      if (this.invalidLogged.has(message.reason)) return;
      this.invalidLogged.add(message.reason);
      this.options.logger.warn(
        { event: 'feed.invalid_notification', reason: message.reason, payload: (payload ?? '').slice(0, LOGGED_PAYLOAD_CHARS) },
        'change notification refused (logged once per reason; counted in feed_invalid)',
      );
    }
  }
}
