import v8 from 'node:v8';
import pg from 'pg';
import type { AssetWrite, CacheState, CacheWorkerOptions, ChangeNotice, WarmResult, WorkerStats } from '../src/cache/protocol';
import { Backoff } from '../src/backoff';
import { safeError, type Logger } from '../src/logger';
import { AssetIndex } from './asset-index';
import { CacheLookups } from './cache-lookups';
import { BuildRunner } from './build-runner';
import { ChangeApplier } from './change-applier';
import { ChangeNotices } from './change-notices';
import { ChangeFeed } from './change-feed';
import type { FeedRow } from './feed-rows';
import { toIndexChange } from './index-change';
import { Directory, emptyDirectory } from './directory';
import { DriftAudit } from './drift-audit';
import { createReaderPool, freshnessStats } from './freshness';
import type { FeedFollower } from './feed-follower';
import type { FeedMode } from './feed-mode';
import { emptySnapshot } from './snapshot';
import { startFeed } from './start-feed';
import { wallMs } from './snapshot-read';
import { WarmRecord, warmPhases } from './warm-record';
import type { WalRelay } from './wal-relay';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Builds every instance may start at the same moment (a feed loss, a shared TTL): spread by CACHE_BUILD_JITTER_MS. */
const JITTERED = new Set(['resync', 'ttl']);

/**
 * The cache the worker owns: the asset index and the ticket/contact directory, kept true by the change feed,
 * with their state and refresh policy. Snapshots are built in a piscina thread (or in this worker, with
 * CACHE_BUILD_THREAD=false) and swapped in whole (double buffering): until a build completes, lookups are
 * answered from the previous snapshot plus the changes applied since, never from a half-built one. The cache
 * answers only while it is `ready`: warm, listening, and resynced after any loss of the feed; otherwise
 * lookups get null and the front asks SQL.
 */
export class AssetCache {
  private readonly index = new AssetIndex(emptySnapshot());
  private readonly directory = new Directory(emptyDirectory());
  private readonly builds: BuildRunner;
  private readonly reader: pg.Pool;
  private readonly feed: ChangeFeed;
  private readonly applier: ChangeApplier;
  private readonly notices: ChangeNotices;
  private readonly audit: DriftAudit;
  private feedMode: FeedMode | null = null;
  /** WAL mode only: campaigns to consume the slot and republish its changes to every instance's feed. */
  private relay: WalRelay | undefined;
  /** WAL mode only: reads the relay's batches in order and tells a gap or a silent leader. */
  private follower: FeedFollower | undefined;
  private leaderSilent = false;
  private state: CacheState = 'cold';
  private warmed = false;
  private feedUp = false;
  /** Bumped on every feed loss; a build that started before the latest loss cannot clear `stale`. */
  private losses = 0;
  private stale = true;
  private building: Promise<WarmResult> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retries = new Backoff(RETRY_MIN_MS, RETRY_MAX_MS);
  private readonly warms: WarmRecord;
  /** What the front reads; answered only while `servable`. */
  readonly lookups: CacheLookups;

  constructor(
    private readonly options: CacheWorkerOptions,
    private readonly logger: Logger,
    private readonly onState: (state: CacheState) => void,
    onChanges: (notice: ChangeNotice) => void = () => undefined,
    /** The jitter's random source, 0 <= r < 1 (a test fixes it). */
    private readonly random: () => number = Math.random,
  ) {
    this.notices = new ChangeNotices(onChanges);
    this.warms = new WarmRecord(logger);
    this.lookups = new CacheLookups(this.index, this.directory, logger, options.slowLookupMs, (allowStale) => this.servable(allowStale));
    this.index.onContactChanged = (contactId) => this.notices.contact(contactId);
    this.directory.onChanged = (kind, id) => (kind === 'ticket' ? this.notices.ticket(id) : this.notices.contact(id));
    this.builds = new BuildRunner(options);
    this.reader = createReaderPool(options, logger);
    this.applier = new ChangeApplier(this.reader, this.index, this.directory, logger, { retryMs: options.feedRetryMs, onStall: () => this.resync() });
    const { reader: pool, index, directory, applier } = this;
    this.audit = new DriftAudit({ pool, index, directory, applier, logger, perMinute: options.auditPerMinute, isReady: () => this.state === 'ready', onDistrust: () => this.resync() });
    this.feed = new ChangeFeed(
      { databaseUrl: options.databaseUrl, heartbeatMs: options.heartbeatMs, heartbeatTimeoutMs: options.heartbeatTimeoutMs, logger },
      {
        change: (kind, id, version) => this.applier.add(kind, id, version),
        // WAL mode: what was published meanwhile is read from the relay's batches, not rebuilt.
        lost: () => (this.follower ? this.setFeedUp(false) : this.distrust(true)),
        restored: () => {
          if (this.follower) return void this.follower.resume().then(() => this.setFeedUp(true));
          this.setFeedUp(true);
          this.refresh('resync').catch(() => undefined);
        },
        relay: (seq, batch) => this.follower?.heard(seq, batch),
      },
    );
  }

  /**
   * Decide the feed (feed-mode.ts), LISTEN, then build: a change committed in between is then either in the
   * snapshot or in the feed. In WAL mode the relay campaigns once this instance listens.
   */
  start(): void {
    this.updateState('warming');
    this.builds.prestart();
    this.audit.start();
    const followed = {
      rows: (rows: FeedRow[]) => this.applier.applyRows(rows),
      resync: () => this.resync(),
      silence: (silent: boolean) => {
        this.leaderSilent = silent;
        this.updateState();
      },
      takeOver: () => void this.relay?.takeOver().catch((err: unknown) => this.logger.warn({ err: safeError(err), event: 'feed.relay_takeover_failed' }, 'could not end the silent leader')),
    };
    void startFeed(this.options, this.logger, this.feed, this.reader, followed)
      .then(({ mode, relay, follower }) => {
        this.feedMode = mode;
        this.relay = relay;
        this.follower = follower;
        this.feedUp = true;
        return this.refresh('startup').catch(() => undefined);
      })
      // Refused (CACHE_FEED=wal without logical decoding): never ready, the widget uses SQL.
      .catch((err: unknown) => {
        this.logger.error({ err: safeError(err), event: 'feed.mode_failed' }, 'change feed not started: the cache stays degraded');
        this.updateState('degraded');
      });
  }

  private servable(allowStale = false): boolean {
    if (this.state !== 'ready') return allowStale && this.warmed;
    this.expireIfDue();
    return true;
  }

  applyWrites(writes: AssetWrite[]): void {
    for (const write of writes) this.index.apply(toIndexChange(write));
  }

  /** Builds and swaps in a new snapshot; callers during a build share it. */
  refresh(reason: string): Promise<WarmResult> {
    this.building ??= this.build(reason).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async build(reason: string): Promise<WarmResult> {
    clearTimeout(this.retryTimer);
    if (JITTERED.has(reason)) await new Promise((resolve) => setTimeout(resolve, this.random() * this.options.buildJitterMs));
    const started = performance.now();
    const begun = wallMs();
    const losses = this.losses;
    const feedUp = this.feedUp;
    const assetEpoch = this.index.beginEpoch();
    const directoryEpoch = this.directory.beginEpoch();
    try {
      const built = await this.builds.run();
      const received = wallMs();
      this.index.rebase(built.assets, assetEpoch);
      this.notices.everything();
      const recheck = this.directory.rebase(built.directory, directoryEpoch);
      for (const id of recheck.tickets) this.applier.add('ticket', id);
      for (const id of recheck.contacts) this.applier.add('contact', id);
      const durationMs = Math.round(performance.now() - started);
      const rebased = wallMs();
      this.warmed = true;
      if (feedUp && losses === this.losses) {
        this.stale = false;
        this.applier.resynced();
      }
      this.retries.reset();
      this.updateState();
      // Trust was lost during this build (it began too early to clear it): the next one may.
      if (this.stale && this.feedUp) setImmediate(() => this.refresh('resync').catch(() => undefined));
      const result = { assets: this.index.size, contacts: this.index.contacts, durationMs };
      this.warms.succeeded(built, { ...result, reason, buildIn: this.builds.buildIn, phases: warmPhases(begun, built.marks, received, rebased) });
      return result;
    } catch (err) {
      const retryMs = this.stale || !this.warmed ? this.retries.next() : null;
      this.warms.failed(err, reason, retryMs);
      this.updateState();
      if (retryMs !== null) this.retryTimer = setTimeout(() => this.refresh('retry').catch(() => undefined), retryMs);
      throw err;
    }
  }

  /** A resync asked for while the feed was down is started once it is back. */
  private setFeedUp(up: boolean): void {
    this.feedUp = up;
    this.updateState();
    if (up && this.stale && !this.building) this.refresh('resync').catch(() => undefined);
  }

  /** Changes may be missed (feed lost, stalled re-reads, drift): degraded until a build begun after this completes. */
  private distrust(feedLost = false): void {
    if (feedLost) this.feedUp = false;
    this.losses++;
    this.stale = true;
    this.applier.discard();
    this.updateState();
  }

  private resync(): void {
    this.distrust();
    if (this.feedUp) this.refresh('resync').catch(() => undefined);
  }

  /** Stale-while-revalidate: an expired cache keeps answering while one background refresh runs. */
  private expireIfDue(): void {
    const ttlMs = this.options.ttlSeconds * 1000;
    if (ttlMs === 0 || this.building || Date.now() - this.warms.lastAt < ttlMs) return;
    this.logger.info({ event: 'cache.ttl_expired', ttl_seconds: this.options.ttlSeconds }, 'cache TTL expired, refreshing in background');
    this.refresh('ttl').catch(() => undefined);
  }

  private updateState(forced?: CacheState): void {
    const state = forced ?? (!this.warmed ? (this.building ? 'warming' : 'degraded') : this.feedUp && !this.stale && !this.leaderSilent ? 'ready' : 'degraded');
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  stats(): WorkerStats {
    // This isolate's heap, not the process's: the main thread's memory is not the cache's.
    const heap = v8.getHeapStatistics();
    return {
      state: this.state,
      ...this.lookups.stats(),
      size: this.index.size,
      contacts: this.index.contacts,
      tickets: this.directory.ticketCount,
      overlay: this.index.overlaySize + this.directory.overlaySize,
      ...this.warms.stats(),
      ttl_seconds: this.options.ttlSeconds,
      feed_connected: this.feed.connected,
      feed_reconnects: this.feed.reconnects,
      feed_heartbeat_ms: this.feed.lastHeartbeatMs,
      heap_used_bytes: heap.used_heap_size,
      build_in: this.builds.buildIn,
      ...freshnessStats(this.feed, this.applier, this.audit, this.options.auditPerMinute, this.feedMode, this.relay, this.follower),
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.audit.stop();
    this.applier.close();
    this.follower?.stop();
    await this.relay?.stop();
    await this.feed.stop();
    await this.builds.destroy();
    await this.reader.end();
  }
}
