import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheClient, CacheStats } from './cache/cache-client';
import type { CacheState } from './cache/protocol';
import type { Logger } from './logger';

/**
 * The Prometheus registry: process defaults, HTTP durations by route template (never by id), and the
 * cache's counters, read from the worker once per scrape. Each PM2 instance has its own registry; scrape
 * every instance (see README).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly rpcDuration: Histogram<'kind'>;
  readonly widgetAnswers: Counter<'cache'>;

  constructor(private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.rpcDuration = new Histogram({
      name: 'asset_cache_rpc_duration_seconds',
      help: 'Main thread to cache worker lookup round trip',
      labelNames: ['kind'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [this.registry],
    });
    this.widgetAnswers = new Counter({
      name: 'asset_widget_answers_total',
      help: 'Widget answers by source (the Cache-Status header): hit = cache, miss = SQL, stale = cache snapshot while SQL was unreachable (grace)',
      labelNames: ['cache'],
      registers: [this.registry],
    });
    for (const cache of ['hit', 'miss', 'stale']) this.widgetAnswers.inc({ cache }, 0);
  }

  /** The cache's state as a labelled gauge (1 for the current state), read from the main thread's view of it. */
  registerFreshness(cache: Pick<CacheClient, 'state'>): void {
    const states: CacheState[] = ['cold', 'warming', 'ready', 'degraded'];
    new Gauge({
      name: 'asset_cache_state',
      help: 'The asset cache state: 1 for the current one (cold, warming, ready, degraded); readiness does not depend on it while SQL answers',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        for (const state of states) this.set({ state }, cache.state === state ? 1 : 0);
      },
    });
  }

  /** Registers the cache's metrics, read from `cache.stats()` once per scrape. */
  registerCache(cache: CacheClient): void {
    const { logger } = this;
    let pending: Promise<CacheStats | undefined> | undefined;
    // One stats call per scrape, shared by every cache metric's collect().
    const stats = () =>
      (pending ??= cache
        .stats()
        .catch((err: unknown) => {
          logger.warn({ err, event: 'metrics.stats_failed' }, 'cache stats unavailable for metrics');
          return undefined;
        })
        .finally(() => setImmediate(() => (pending = undefined))));

    const counter = (name: string, help: string, read: (s: CacheStats) => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const s = await stats();
          if (!s) return;
          this.reset();
          this.inc(read(s));
        },
      });
    const gauge = (name: string, help: string, read: (s: CacheStats) => number | null) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const s = await stats();
          const value = s ? read(s) : null;
          if (value !== null) this.set(value);
        },
      });

    counter('asset_cache_hits_total', 'Widget lookups answered by the cache (empty answers included)', (s) => s.hits);
    counter('asset_cache_empty_total', 'Cache answers for a contact with no active assets', (s) => s.empty);
    counter('asset_cache_misses_total', 'Widget lookups answered from SQL (cold, degraded, timeout, worker down)', (s) => s.misses);
    counter('asset_cache_refreshes_total', 'Full snapshot builds completed', (s) => s.refreshes);
    counter('asset_cache_refresh_failures_total', 'Full snapshot builds that failed', (s) => s.refresh_failures);
    counter('asset_cache_feed_reconnects_total', 'Change-feed LISTEN reconnections', (s) => s.feed_reconnects);
    counter('asset_cache_changes_applied_total', 'Row changes applied from the change feed', (s) => s.changes_applied);
    counter('asset_cache_feed_invalid_total', 'Change notifications refused as malformed (each reason logged once)', (s) => s.feed_invalid);
    counter('asset_cache_feed_retries_total', 'Re-reads of changed rows that failed and were retried', (s) => s.feed_retries);
    counter('asset_cache_feed_stalls_total', 'Changes not applied within CACHE_FEED_RETRY_MS (the cache went degraded and resynced)', (s) => s.feed_stalls);
    counter('asset_cache_feed_wal_reconnects_total', 'Replication connections lost and resumed from the confirmed LSN (no resync)', (s) => s.feed_wal_reconnects);
    counter('asset_cache_feed_wal_stalls_total', 'Replication streams connected but silent that did not answer a probe; ended and resumed (also in wal_reconnects)', (s) => s.feed_wal_stalls);
    counter('asset_cache_feed_takeovers_total', 'Times this instance took the lead of the WAL relay', (s) => s.feed_takeovers);
    counter('asset_cache_feed_slots_created_total', 'Replication slots created (none existed, or the one there was invalidated)', (s) => s.feed_slots_created);
    counter('asset_cache_feed_gaps_total', 'Gaps in the WAL relay batch numbers found and read back (no resync)', (s) => s.feed_gaps);
    counter('asset_cache_feed_gap_resyncs_total', 'Gaps older than the relay batch retention (resynced)', (s) => s.feed_gap_resyncs);
    counter('asset_cache_feed_leader_silences_total', 'Times the WAL relay leader sent no batch or heartbeat for 3 s (cache not fresh, leader session ended)', (s) => s.feed_leader_silences);
    counter('asset_cache_feed_batch_failures_total', 'WAL relay batches that could not be applied whole (unreadable, or applying threw); each resynced', (s) => s.feed_batch_failures);
    counter('asset_cache_feed_batches_read_total', 'WAL relay batches read from the table (the leader applies the ones it publishes from memory)', (s) => s.feed_batches_read);
    counter('asset_cache_feed_rereads_total', 'Changed rows re-read from the database (WAL mode: only rows sent incomplete)', (s) => s.feed_rereads);
    counter('asset_cache_audit_checks_total', 'Background audit samples compared with SQL', (s) => s.audit_checks);
    counter('asset_cache_drift_total', 'Audit samples where the cache still differed from SQL after a settle time', (s) => s.drift);
    counter('asset_cache_worker_restarts_total', 'Cache worker restarts after an exit, crash or memory limit', (s) => s.worker_restarts);
    gauge('asset_cache_entries', 'Active assets in the cache', (s) => s.size);
    gauge('asset_cache_contacts', 'Contacts with at least one cached asset', (s) => s.contacts);
    gauge('asset_cache_tickets', 'Tickets whose contact the cache knows', (s) => s.tickets);
    gauge('asset_cache_ready', '1 when the cache answers lookups, 0 when cold, warming or degraded', (s) => (s.state === 'ready' ? 1 : 0));
    gauge('asset_cache_warmup_duration_seconds', 'Duration of the last full snapshot build', (s) =>
      s.warm_duration_ms === null ? null : s.warm_duration_ms / 1000,
    );
    gauge('asset_cache_feed_heartbeat_seconds', 'Round trip of the last change-feed heartbeat notification', (s) =>
      s.feed_heartbeat_ms === null ? null : s.feed_heartbeat_ms / 1000,
    );
    gauge('asset_cache_feed_leader', '1 on the instance that consumes the replication slot', (s) => (s.feed_leader ? 1 : 0));
    gauge('asset_cache_feed_lag_bytes', "WAL the replication slot retains beyond the leader's confirmed LSN (leader only)", (s) => s.feed_lag_bytes);
    gauge('asset_cache_feed_lag_seconds', 'Age of the oldest decoded change the leader has not published yet (leader only)', (s) => s.feed_lag_seconds);
    gauge('asset_cache_pending_changes', 'Changes notified and not applied yet', (s) => s.pending_changes);
    gauge(
      'asset_cache_pending_change_age_seconds',
      'Age of the oldest change notified and not applied yet (after a feed loss or stall: since then, until resynced); 0 when none',
      (s) => s.pending_change_age_ms / 1000,
    );
    gauge('asset_cache_last_change_applied_timestamp_seconds', 'Unix time the change feed last applied a change', (s) =>
      s.last_change_at === null ? null : Date.parse(s.last_change_at) / 1000,
    );
    gauge('asset_cache_snapshot_bytes', 'Bytes held by the packed snapshot', (s) => s.snapshot_bytes);
    gauge('asset_cache_worker_heap_bytes', 'JS heap used by the cache worker thread', (s) => s.heap_used_bytes);
  }
}
