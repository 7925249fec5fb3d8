import type pg from 'pg';
import { ListenConnection } from '../db/listen-connection';
import type { Logger } from '../logger';

const AUTH_CHANNEL = 'awc_auth_changes';
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

/**
 * The main thread's LISTEN on `awc_auth_changes` (migration 004), on a heartbeat-checked connection of its own
 * (src/db/listen-connection.ts, shared with the asset change feed). Notifications carry user ids only;
 * nothing secret travels or is logged.
 */
export class CredentialFeed {
  private readonly listen: ListenConnection;

  constructor(options: CredentialFeedOptions, events: CredentialFeedEvents) {
    this.listen = new ListenConnection(
      { ...options, channel: AUTH_CHANNEL, applicationName: AUTH_LISTEN_APPLICATION_NAME, name: 'auth_feed' },
      {
        payload: (text) => deliver(text, events),
        listening: () => events.listening(),
        lost: () => events.lost(),
      },
    );
  }

  get connected(): boolean {
    return this.listen.connected;
  }

  get reconnects(): number {
    return this.listen.reconnects;
  }

  /** Connects and LISTENs, retrying with backoff until it succeeds or the feed is stopped. */
  start(): Promise<void> {
    return this.listen.start();
  }

  stop(): Promise<void> {
    return this.listen.stop();
  }
}

function deliver(payload: string | undefined, events: CredentialFeedEvents): void {
  let message: { t?: unknown; u?: unknown };
  try {
    message = JSON.parse(payload ?? '');
  } catch {
    return;
  }
  if (message.t === 'all') events.allChanged();
  else if (Number.isInteger(message.u)) events.userChanged(message.u as number);
}
