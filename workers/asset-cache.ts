import v8 from 'node:v8';
import Piscina from 'piscina';
import type { Logger } from '../src/logger';
import type { CacheState, CacheWorkerOptions, CacheWrite, WarmResult, WorkerStats } from '../src/cache/protocol';
import { AssetIndex } from './asset-index';
import type { BuildTaskInput } from './build-snapshot.task';
import { toAssetChange } from './cache-write';
import { emptySnapshot, snapshotTransferList, type PackedSnapshot } from './snapshot';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * The cache the worker owns: an AssetIndex, its state, and its refresh policy. Snapshots are built in a
 * piscina thread and swapped in whole (double buffering): until a build completes, every lookup is answered
 * from the previous snapshot plus the writes applied since, never from a half-built one.
 */
export class AssetCache {
  private index = new AssetIndex(emptySnapshot());
  private state: CacheState = 'cold';
  private warmed = false;
  private building: Promise<WarmResult> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private lastWarmAt = 0;
  private lastWarmDurationMs: number | null = null;
  private snapshotBytes = 0;
  private counters = { hits: 0, empty: 0, refreshes: 0, refreshFailures: 0, slowLookups: 0 };
  private readonly builder: Piscina;

  constructor(
    private readonly options: CacheWorkerOptions,
    private readonly logger: Logger,
    private readonly onState: (state: CacheState) => void,
  ) {
    // One stateless build thread, started on demand and let go when idle: a build is rare and heavy.
    this.builder = new Piscina({
      filename: options.buildTaskFile,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: 30_000,
      atomics: 'disabled',
    });
  }

  start(): void {
    this.refresh('startup').catch(() => undefined);
  }

  /** The widget part of the answer for a contact, or null when the cache cannot answer (not warm yet). */
  lookup(contactId: number): string | null {
    if (!this.warmed) return null;
    this.expireIfDue();
    const slice = this.index.widget(contactId);
    this.counters.hits++;
    if (slice.total === 0) this.counters.empty++;
    return `"assets":${slice.assetsJson},"total_assets":${slice.total}`;
  }

  noteLookupTime(ms: number, count: number): void {
    if (ms <= this.options.slowLookupMs) return;
    this.counters.slowLookups++;
    this.logger.warn({ event: 'cache.slow_lookup', duration_ms: Math.round(ms * 1000) / 1000, batch: count }, 'slow cache lookup');
  }

  applyWrites(writes: CacheWrite[]): void {
    for (const write of writes) this.index.apply(toAssetChange(write));
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
    if (!this.warmed) this.setState('warming');
    const started = performance.now();
    const buildEpoch = this.index.beginEpoch();
    try {
      const input: BuildTaskInput = { databaseUrl: this.options.databaseUrl, batchRows: this.options.batchRows };
      const snapshot = (await this.builder.run(input)) as PackedSnapshot;
      this.index.rebase(snapshot, buildEpoch);
      this.snapshotBytes = snapshotTransferList(snapshot).reduce((sum, buffer) => sum + buffer.byteLength, 0);
      const durationMs = Math.round(performance.now() - started);
      this.warmed = true;
      this.lastWarmAt = Date.now();
      this.lastWarmDurationMs = durationMs;
      this.counters.refreshes++;
      this.retryDelay = RETRY_MIN_MS;
      this.setState('ready');
      const result = { assets: this.index.size, contacts: this.index.contacts, durationMs };
      this.logger.info({ event: 'cache.warm', reason, assets: result.assets, contacts: result.contacts, duration_ms: durationMs }, 'asset cache warmed');
      return result;
    } catch (err) {
      this.counters.refreshFailures++;
      this.logger.error({ err, event: 'cache.warm_failed', reason, retry_in_ms: this.retryDelay }, 'asset cache warm-up failed');
      if (!this.warmed) this.setState('degraded');
      this.retryTimer = setTimeout(() => this.refresh('retry').catch(() => undefined), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
      throw err;
    }
  }

  /** Stale-while-revalidate: an expired cache keeps answering while one background refresh runs. */
  private expireIfDue(): void {
    const ttlMs = this.options.ttlSeconds * 1000;
    if (ttlMs === 0 || this.building || Date.now() - this.lastWarmAt < ttlMs) return;
    this.logger.info({ event: 'cache.ttl_expired', ttl_seconds: this.options.ttlSeconds }, 'cache TTL expired, refreshing in background');
    this.refresh('ttl').catch(() => undefined);
  }

  private setState(state: CacheState): void {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  stats(): WorkerStats {
    // This isolate's heap, not the process's: the main thread's memory is not the cache's.
    const heap = v8.getHeapStatistics();
    return {
      state: this.state,
      hits: this.counters.hits,
      empty: this.counters.empty,
      size: this.index.size,
      contacts: this.index.contacts,
      overlay: this.index.overlaySize,
      last_warmup: this.lastWarmAt ? new Date(this.lastWarmAt).toISOString() : null,
      warm_duration_ms: this.lastWarmDurationMs,
      refreshes: this.counters.refreshes,
      refresh_failures: this.counters.refreshFailures,
      slow_lookups: this.counters.slowLookups,
      ttl_seconds: this.options.ttlSeconds,
      heap_used_bytes: heap.used_heap_size,
      snapshot_bytes: this.snapshotBytes,
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.builder.destroy();
  }
}
