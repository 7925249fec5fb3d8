import pg from 'pg';
import type { CacheWorkerOptions, WorkerStats } from '../src/cache/protocol';
import { safeError, type Logger } from '../src/logger';
import type { ChangeApplier } from './change-applier';
import type { ChangeFeed } from './change-feed';
import type { DriftAudit } from './drift-audit';
import type { FeedFollower } from './feed-follower';
import type { FeedMode } from './feed-mode';
import type { WalRelay } from './wal-relay';

type FreshnessStats = Pick<
  WorkerStats,
  | 'changes_applied'
  | 'last_change_at'
  | 'feed_invalid'
  | 'feed_retries'
  | 'feed_stalls'
  | 'pending_changes'
  | 'pending_change_age_ms'
  | 'audit_per_minute'
  | 'audit_checks'
  | 'drift'
  | 'drift_repaired'
  | 'last_drift_at'
  | 'feed_mode'
  | 'feed_leader'
  | 'feed_lag_bytes'
  | 'feed_lag_seconds'
  | 'feed_wal_reconnects'
  | 'feed_wal_stalls'
  | 'feed_takeovers'
  | 'feed_slots_created'
  | 'feed_seq'
  | 'feed_gaps'
  | 'feed_gap_resyncs'
  | 'feed_leader_silences'
  | 'feed_batch_failures'
  | 'feed_batches_read'
  | 'feed_rereads'
>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** How fresh the cache is, measured: what the feed refused, what waits to be applied, what the audit found. */
export function freshnessStats(feed: ChangeFeed, applier: ChangeApplier, audit: DriftAudit, auditPerMinute: number, mode: FeedMode | null, relay?: WalRelay, follower?: FeedFollower): FreshnessStats {
  const leader = relay?.leader ?? false;
  return {
    feed_mode: mode,
    feed_leader: leader,
    feed_lag_bytes: leader ? relay!.lagBytes : null,
    feed_lag_seconds: leader ? relay!.lagSeconds : null,
    feed_wal_reconnects: relay?.walReconnects ?? 0,
    feed_wal_stalls: relay?.walStalls ?? 0,
    feed_takeovers: relay?.takeovers ?? 0,
    feed_slots_created: relay?.slotsCreated ?? 0,
    feed_seq: follower?.seq ?? null,
    feed_gaps: follower?.counts.gaps ?? 0,
    feed_gap_resyncs: follower?.counts.gapResyncs ?? 0,
    feed_leader_silences: follower?.counts.silences ?? 0,
    feed_batch_failures: follower?.counts.batchFailures ?? 0,
    feed_batches_read: follower?.counts.batchesRead ?? 0,
    feed_rereads: applier.reread,
    changes_applied: applier.applied,
    last_change_at: iso(applier.lastAppliedAt),
    feed_invalid: feed.invalid,
    feed_retries: applier.failures,
    feed_stalls: applier.stalls,
    pending_changes: applier.pendingCount,
    pending_change_age_ms: applier.pendingAgeMs,
    audit_per_minute: auditPerMinute,
    audit_checks: audit.checks,
    drift: audit.drift,
    drift_repaired: audit.repaired,
    last_drift_at: iso(audit.lastDriftAt),
  };
}

/**
 * The worker's pool for re-reads and audit samples. Every statement is bounded (a quarter of
 * CACHE_FEED_RETRY_MS, at least 100 ms), so a stuck re-read fails and is retried well within the bound.
 */
export function createReaderPool(options: CacheWorkerOptions, logger: Logger): pg.Pool {
  const timeoutMs = Math.max(100, Math.round(options.feedRetryMs / 4));
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    application_name: 'asset-cache-reader',
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs * 2,
    connectionTimeoutMillis: timeoutMs,
  });
  pool.on('error', (err) => logger.warn({ err: safeError(err), event: 'feed.reader_error' }, 'cache reader connection failed'));
  return pool;
}
