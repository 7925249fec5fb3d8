import pg from 'pg';
import type { CacheWorkerOptions } from '../src/cache/protocol';
import type { Logger } from '../src/logger';
import { NOTIFY_TRIGGERS, NOTIFY_TRIGGERS_ENABLED_SQL, NOTIFY_TRIGGERS_TO_SET_SQL, setTriggerSql, WAL_AVAILABILITY_SQL } from './sql/feed-mode';

export type FeedMode = 'wal' | 'notify';

/** CACHE_FEED=wal on a server or role without logical decoding: retrying cannot help. */
export class FeedRefusedError extends Error {}

/** Why logical decoding cannot be used on this server and role, or null when it can. */
async function walUnavailable(client: pg.Client): Promise<string | null> {
  const { rows } = await client.query<{ wal_level: string; replication: boolean }>(WAL_AVAILABILITY_SQL);
  const { wal_level: walLevel, replication } = rows[0]!;
  if (walLevel !== 'logical') return `wal_level is ${walLevel}, not logical`;
  if (!replication) return 'the role has neither REPLICATION nor superuser';
  return null;
}

/**
 * Decides once, at start, where changes come from, and logs it in one line (`feed.mode`). `auto` takes the
 * WAL relay where the server allows logical decoding and falls back to the notify triggers (with their cost
 * to writers, see the README) where it does not; `wal` refuses to start without it; `notify` is the triggers.
 * In notify mode the triggers are enabled here, since a WAL leader may have disabled them.
 */
export async function chooseFeedMode(options: CacheWorkerOptions, logger: Logger): Promise<FeedMode> {
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'asset-cache-probe' });
  await client.connect();
  try {
    const unavailable = options.feedMode === 'notify' ? 'CACHE_FEED=notify' : await walUnavailable(client);
    if (unavailable !== null && options.feedMode === 'wal') {
      throw new FeedRefusedError(`CACHE_FEED=wal but logical decoding is not available: ${unavailable}`);
    }
    const mode: FeedMode = unavailable === null ? 'wal' : 'notify';
    if (mode === 'notify') await setNotifyTriggers(client, true);
    const reason = unavailable ?? 'wal_level is logical and the role may replicate';
    logger.info({ event: 'feed.mode', mode, requested: options.feedMode, reason }, `change feed: ${mode === 'wal' ? 'WAL relay (logical decoding)' : 'notify triggers'} (${reason})`);
    return mode;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether every notify trigger is enabled: then no change can have gone unannounced meanwhile. */
export async function notifyTriggersEnabled(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ enabled: boolean }>(NOTIFY_TRIGGERS_ENABLED_SQL, [NOTIFY_TRIGGERS, NOTIFY_TRIGGERS.length]);
  return rows[0]!.enabled === true;
}

/**
 * Enables or disables the notify triggers that are not so already: ALTER TABLE needs the tables' owner (the
 * service's role, which runs the migrations) and a brief lock, so nothing is altered that need not be.
 */
export async function setNotifyTriggers(client: pg.ClientBase, enabled: boolean): Promise<void> {
  const { rows } = await client.query<{ table: string; trigger: string }>(NOTIFY_TRIGGERS_TO_SET_SQL, [NOTIFY_TRIGGERS, enabled]);
  for (const { table, trigger } of rows) {
    await client.query(setTriggerSql(table, trigger, enabled));
  }
}
