import type pg from 'pg';
import type { CacheWorkerOptions } from '../src/cache/protocol';
import type { ChangeFeed } from './change-feed';
import { safeError, type Logger } from '../src/logger';
import { FeedFollower, type FeedFollowerEvents } from './feed-follower';
import { chooseFeedMode, FeedRefusedError, type FeedMode } from './feed-mode';
import { FOLLOW_APPLICATION_NAME, WalRelay } from './wal-relay';

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 10_000;

/** The mode, retried with backoff while the database cannot be reached (as the LISTEN feed's start is). */
async function decideMode(options: CacheWorkerOptions, logger: Logger): Promise<FeedMode> {
  for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    try {
      return await chooseFeedMode(options, logger);
    } catch (err) {
      if (err instanceof FeedRefusedError) throw err;
      logger.warn({ err: safeError(err), event: 'feed.mode_probe_failed', retry_in_ms: delay }, 'could not probe the database for the feed mode');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Decides the feed (feed-mode.ts) and LISTENs; in WAL mode the follower then notes the last batch published
 * (the snapshot built next holds what it carried) and the relay campaigns to lead, so this instance already
 * listens for what it will publish. Resolves once listening.
 */
export async function startFeed(
  options: CacheWorkerOptions,
  logger: Logger,
  feed: ChangeFeed,
  reader: pg.Pool,
  events: FeedFollowerEvents,
): Promise<{ mode: FeedMode; relay?: WalRelay; follower?: FeedFollower }> {
  const mode = await decideMode(options, logger);
  if (mode === 'notify') {
    await feed.start();
    return { mode };
  }
  feed.applicationName = FOLLOW_APPLICATION_NAME;
  const follower = new FeedFollower(reader, logger, events);
  const relay = new WalRelay({ databaseUrl: options.databaseUrl, logger, publishing: (seq) => follower.publishing(seq), published: (seq, rows) => follower.published(seq, rows) });
  await feed.start();
  for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    try {
      await follower.start();
      break;
    } catch (err) {
      logger.warn({ err: safeError(err), event: 'feed.batch_read_failed', retry_in_ms: delay }, 'could not read the last feed batch');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  relay.start();
  return { mode, relay, follower };
}
