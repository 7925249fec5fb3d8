import type pg from 'pg';
import { safeError, type Logger } from '../src/logger';
import type { AssetIndex } from './asset-index';
import type { ChangeKind } from './change-message';
import type { Directory } from './directory';
import { applyFeedRows } from './apply-feed-rows';
import type { FeedRow } from './feed-rows';
import { ChangeRereader } from './change-rereader';
import { batchSize, PendingChanges, type ChangeBatch } from './pending-changes';

const BACKOFF_MIN_MS = 25;
const BACKOFF_MAX_MS = 500;
export const DEFAULT_RETRY_MS = 5_000;

export interface ChangeApplierOptions {
  /**
   * CACHE_FEED_RETRY_MS: the longest a notified change may wait to be applied. A failed re-read is retried
   * with backoff meanwhile; past it, `onStall` runs.
   */
  retryMs?: number;
  /**
   * A change has waited longer than `retryMs` (re-reads failing, hanging, or too far behind). The cache must
   * stop claiming to be fresh and resync, then call `discard()` (which is the default when no cache listens).
   */
  onStall?: () => void;
}

/**
 * Applies change notifications: ids pile up in PendingChanges, then the rows are re-read by id in batches and
 * applied. One flush runs at a time, so re-reads of the same ticket or contact (which carry no version) are
 * applied in the order they were read. Assets carry their row version, so an older read can never overwrite
 * a newer one whatever the order.
 *
 * No id is ever dropped silently. A failed re-read puts back what it had not applied yet, merged with the ids
 * noted since, and is retried with backoff (25 ms doubling to 500 ms). A watchdog follows the oldest change not
 * yet applied: once it has waited `retryMs`, `onStall` tells the cache, which goes degraded and resyncs; only
 * then is everything pending discarded, because the resync's snapshot holds it (a row is committed before
 * its notification arrives).
 */
export class ChangeApplier {
  private readonly pending = new PendingChanges();
  private readonly rereader: ChangeRereader;
  private inFlight: ChangeBatch | undefined;
  private running: Promise<void> | undefined;
  /** Cancels the drain scheduled next (setImmediate, or the backoff timer after a failure). */
  private cancelScheduled: (() => void) | undefined;
  private backoffMs = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** Bumped by discard(): a re-read in flight from an older generation applies nothing. */
  private generation = 0;
  /** When the oldest change a discard dropped was noted; counts until the resync that covers it completes. */
  private discardedSince: number | null = null;
  private closed = false;
  private readonly retryMs: number;
  private readonly onStall: () => void;
  applied = 0;
  lastAppliedAt: number | null = null;
  /** Rows re-read from the database (in WAL mode, only rows the relay could not send whole). */
  reread = 0;
  /** Re-reads that failed and were retried. */
  failures = 0;
  /** Times a change waited past `retryMs` and the cache was told to resync. */
  stalls = 0;

  constructor(
    pool: pg.Pool,
    private readonly index: AssetIndex,
    private readonly directory: Directory,
    private readonly logger: Logger,
    options: ChangeApplierOptions = {},
  ) {
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.onStall = options.onStall ?? (() => this.discard());
    this.rereader = new ChangeRereader(pool, index, directory, this);
  }

  /**
   * Notes a changed row. An asset notified with a version the index already holds needs no re-read: on the
   * instance that made the write, the write was applied before its response went out.
   */
  add(kind: ChangeKind, id: number, version = Infinity): void {
    if (this.closed) return;
    if (kind === 'asset' && this.index.versionOf(id) >= version) return;
    this.pending.note(kind, id, version);
    this.schedule();
    this.armWatchdog();
  }

  /** A WAL relay batch's rows, applied as they are (apply-feed-rows.ts); rows marked for a re-read are noted. */
  applyRows(rows: FeedRow[]): void {
    if (this.closed) return;
    this.applied += applyFeedRows(rows, this.index, this.directory, (kind, id, version) => this.add(kind, id, version));
    this.lastAppliedAt = Date.now();
  }

  /** Changes noted and not applied yet (pending and in flight). */
  get pendingCount(): number {
    return this.pending.size + (this.inFlight ? batchSize(this.inFlight) : 0);
  }

  /** When the oldest change noted and not applied yet was noted (Date.now()); null when there is none. */
  get oldestUnapplied(): number | null {
    const pending = this.pending.since;
    const inFlight = this.inFlight && batchSize(this.inFlight) > 0 ? this.inFlight.since : null;
    return pending === null ? inFlight : inFlight === null ? pending : Math.min(pending, inFlight);
  }

  /**
   * Age of the oldest change notified and not applied yet, 0 when there is none. After a discard, the oldest
   * change it dropped (or the loss itself) keeps counting until resynced().
   */
  get pendingAgeMs(): number {
    const oldest = this.oldestUnapplied;
    const since = this.discardedSince === null ? oldest : oldest === null ? this.discardedSince : Math.min(oldest, this.discardedSince);
    return since === null ? 0 : Math.max(0, Date.now() - since);
  }

  /**
   * Drops every change pending or in flight, because a resync that begins after this call covers them (and
   * whatever the feed may have missed). Called by the cache on any loss of trust: feed lost, stall, drift.
   */
  discard(now = Date.now()): void {
    const oldest = this.oldestUnapplied;
    this.discardedSince = Math.min(this.discardedSince ?? now, oldest ?? now);
    this.generation++;
    this.pending.clear();
    this.inFlight = undefined;
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    this.backoffMs = 0;
  }

  /** A resync that began after the latest discard has completed: what was dropped is in the cache now. */
  resynced(): void {
    this.discardedSince = null;
  }

  close(): void {
    this.closed = true;
    this.discard();
    clearTimeout(this.watchdog);
  }

  /** Ids noted in the same event-loop turn go out in one read; a running drain picks up later ones itself. */
  private schedule(): void {
    if (this.cancelScheduled || this.running || this.closed) return;
    const run = () => {
      this.cancelScheduled = undefined;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    };
    if (this.backoffMs > 0) {
      const timer = setTimeout(run, this.backoffMs);
      this.cancelScheduled = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      this.cancelScheduled = () => clearImmediate(immediate);
    }
  }

  /** Follows the oldest change not applied yet; one that waits `retryMs` stalls the applier. */
  private armWatchdog(delayMs?: number): void {
    if (this.watchdog || this.closed) return;
    const oldest = this.oldestUnapplied;
    if (oldest === null) return;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      const since = this.oldestUnapplied;
      if (since !== null && Date.now() - since >= this.retryMs) this.stall(since);
      else this.armWatchdog();
    }, delayMs ?? Math.max(1, oldest + this.retryMs - Date.now()));
  }

  private stall(since: number): void {
    this.stalls++;
    this.logger.error(
      { event: 'feed.apply_stalled', pending: this.pendingCount, oldest_age_ms: Date.now() - since, retry_ms: this.retryMs, failures: this.failures },
      'changed rows not applied within CACHE_FEED_RETRY_MS: cache degraded until a resync',
    );
    this.onStall();
    // The cache discards on a stall; if nothing did, stall again only after another full retryMs.
    this.armWatchdog(this.retryMs);
  }

  private async drain(): Promise<void> {
    const generation = this.generation;
    while (this.pending.size > 0 && generation === this.generation) {
      const batch = this.pending.take((id) => this.index.versionOf(id));
      this.inFlight = batch;
      try {
        await this.rereader.read(batch, () => generation === this.generation);
      } catch (err) {
        // Discarded meanwhile: the resync covers the batch, and a read from before it must not be applied.
        if (generation !== this.generation) return;
        this.inFlight = undefined;
        this.pending.restore(batch);
        this.failures++;
        this.backoffMs = Math.min(Math.max(this.backoffMs * 2, BACKOFF_MIN_MS), BACKOFF_MAX_MS);
        this.logger.warn(
          { err: safeError(err), event: 'feed.apply_failed', pending: this.pending.size, pending_age_ms: this.pendingAgeMs, retry_in_ms: this.backoffMs },
          'could not re-read changed rows; retrying',
        );
        return;
      }
      this.inFlight = undefined;
      this.backoffMs = 0;
      this.lastAppliedAt = Date.now();
    }
  }
}
