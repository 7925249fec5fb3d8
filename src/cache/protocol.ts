/**
 * The typed contract between the main thread and the cache worker. Two channels share one worker:
 * - control plane (comlink, on a MessagePort handed over at start): warm, refresh, apply writes, stats;
 * - lookups (raw postMessage on the worker's own port): request ids, one batch per event-loop turn, answers
 *   as pre-serialised JSON the front concatenates without parsing.
 * They are separate ports because comlink's `expose` answers every message on its port, lean ones included.
 */

import type { ContactPage, PageCursor } from './contact-page';

/** One asset as the widget shows it: the contract's six fields, in this key order. */
export interface WidgetAsset {
  id: number;
  hostname: string;
  warranty_expiration_date: string | null;
  status: string;
  screenconnect_session_id: string | null;
  pdq_device_id: string | null;
}

export type CacheState = 'cold' | 'warming' | 'ready' | 'degraded';

/** Options the worker is started with (workerData). */
export interface CacheWorkerOptions {
  databaseUrl: string;
  ttlSeconds: number;
  slowLookupMs: number;
  /** Path of the compiled snapshot build task, run in a piscina thread. */
  buildTaskFile: string;
  /** Build snapshots in that thread (true) or in the cache worker itself, which then answers lookups late. */
  buildThread: boolean;
  /** Instances building a snapshot at once against one database (advisory locks); 0 = no limit. */
  maxConcurrentBuilds: number;
  /** A resync or TTL build waits a random 0..buildJitterMs first, so instances that lost the feed together spread out. */
  buildJitterMs: number;
  /** How often the change feed checks its LISTEN connection with a notification to itself. */
  heartbeatMs: number;
  /** How long that notification may take to come back before the connection counts as dead. */
  heartbeatTimeoutMs: number;
  /** CACHE_FEED_RETRY_MS: the longest a notified change may wait to be applied before the cache resyncs. */
  feedRetryMs: number;
  /** CACHE_AUDIT_PER_MINUTE: background samples compared with SQL per minute; 0 = off. */
  auditPerMinute: number;
  /**
   * CACHE_GRACE_SECONDS: how long after the cache stopped being known fresh (left `ready`) it may still answer
   * LOOKUP_TICKET_STALE_OK lookups from its snapshot; 0 = never.
   */
  graceSeconds: number;
  /** CACHE_FEED: where changes come from (see workers/feed-mode.ts). */
  feedMode: 'auto' | 'wal' | 'notify';
  logLevel: string;
}

/**
 * One committed asset write, as the asset service reports it and the cache worker applies it: what the cache
 * serves and orders by, so the worker can place, move or drop the row without reading it back. `createdAt` is
 * ISO-8601 UTC with microseconds; `version` the row version.
 */
export type AssetWrite =
  | {
      kind: 'upsert';
      id: number;
      contactId: number | null;
      clientId: number;
      createdAt: string;
      version: string;
      status: string;
      hostname: string;
      warranty_expiration_date: string | null;
      screenconnect_session_id: string | null;
      pdq_device_id: string | null;
    }
  | { kind: 'delete'; id: number };

export interface WarmResult {
  assets: number;
  contacts: number;
  durationMs: number;
}

export interface WorkerStats {
  state: CacheState;
  hits: number;
  empty: number;
  size: number;
  contacts: number;
  /** Tickets whose contact the cache knows, so their widget costs no SQL. */
  tickets: number;
  overlay: number;
  last_warmup: string | null;
  warm_duration_ms: number | null;
  refreshes: number;
  refresh_failures: number;
  slow_lookups: number;
  ttl_seconds: number;
  feed_connected: boolean;
  feed_reconnects: number;
  /** Round trip of the last heartbeat notification through PostgreSQL: the feed's own lag. */
  feed_heartbeat_ms: number | null;
  changes_applied: number;
  last_change_at: string | null;
  /** The worker thread's JS heap (its own isolate). */
  heap_used_bytes: number;
  /** The packed snapshot's typed arrays, held outside the JS heap. */
  snapshot_bytes: number;
  /** Where snapshots are built: a piscina `thread`, or the cache `worker` itself (CACHE_BUILD_THREAD=false). */
  build_in: 'thread' | 'worker';
  // Freshness under faults (issue 13): see workers/freshness.ts.
  // The WAL feed (issue 15): see workers/wal-relay.ts. Lag and leadership are the leader's; others report null/false.
  /** Where changes come from: the WAL relay or the notify triggers; null until decided at start. */
  feed_mode: 'wal' | 'notify' | null;
  /** This instance consumes the replication slot and publishes its changes to every instance. */
  feed_leader: boolean;
  /** WAL the slot retains that the leader has not confirmed yet. */
  feed_lag_bytes: number | null;
  /** Age of the oldest decoded change the leader has not published yet; 0 when none. */
  feed_lag_seconds: number | null;
  /** Replication connections this instance lost and resumed (no resync), times it took the lead, slots it created. */
  feed_wal_reconnects: number;
  /** Of those reconnects, streams that stayed connected but silent and did not answer a probe. */
  feed_wal_stalls: number;
  feed_takeovers: number;
  feed_slots_created: number;
  /** WAL mode: the last relay batch applied here; null in notify mode. */
  feed_seq: number | null;
  /** Gaps in the batch numbers found and read (missed notifications, LISTEN reconnects); none costs a resync. */
  feed_gaps: number;
  /** Gaps older than the relay's batch retention: resynced. */
  feed_gap_resyncs: number;
  /** Times no batch or heartbeat came from the relay's leader for 3 s (cache not fresh, leader's session ended). */
  feed_leader_silences: number;
  /** WAL relay batches this instance could not apply whole (unreadable, or applying threw): each resynced. */
  feed_batch_failures: number;
  /** WAL relay batches this instance read from the table; the leader applies the ones it publishes from memory. */
  feed_batches_read: number;
  /** Changed rows re-read from the database: every change in notify mode, in WAL mode only rows sent incomplete. */
  feed_rereads: number;
  /** Notifications refused as malformed (bad JSON, kind, op, id out of 1..2^31-1, version). */
  feed_invalid: number;
  /** Re-reads of changed rows that failed and were retried. */
  feed_retries: number;
  /** Times a change waited past CACHE_FEED_RETRY_MS, so the cache went degraded and resynced. */
  feed_stalls: number;
  /** Changes notified and not applied yet. */
  pending_changes: number;
  /** Age of the oldest of them (after a loss: since the loss, until the resync completes); 0 when none. */
  pending_change_age_ms: number;
  /** Background audit samples per minute (CACHE_AUDIT_PER_MINUTE), samples compared, confirmed drifts. */
  audit_per_minute: number;
  audit_checks: number;
  drift: number;
  /** Drifts a re-read repaired (the others made the cache resync, or SQL moved before the re-check). */
  drift_repaired: number;
  last_drift_at: string | null;
}

/** The control-plane API the worker exposes through comlink. */
export interface CacheControlApi {
  /** Builds a new snapshot and swaps it in; concurrent calls share one build. */
  refresh(reason: string): Promise<WarmResult>;
  applyWrites(writes: AssetWrite[]): Promise<void>;
  stats(): Promise<WorkerStats>;
  /** A page of a contact's active assets, newest first, after `after`; null when not servable or unknown. */
  contactAssets(contactId: number, after: PageCursor | null, limit: number): Promise<ContactPage | null>;
  /** Releases the worker's database connections and build thread before it is terminated. */
  close(): Promise<void>;
}

export const LOOKUP_TICKET = 0;
export const LOOKUP_CONTACT = 1;
/**
 * A ticket lookup the front makes only after SQL failed (grace): answered as LOOKUP_TICKET while the cache is
 * ready, and from the current snapshot while it is not, if it was ready within CACHE_GRACE_SECONDS.
 */
export const LOOKUP_TICKET_STALE_OK = 2;
export type LookupKind = typeof LOOKUP_TICKET | typeof LOOKUP_CONTACT | typeof LOOKUP_TICKET_STALE_OK;

/** Lean lookup channel: main → worker. */
export interface LookupBatch {
  type: 'lookup';
  /** Triples of [requestId, LOOKUP_TICKET | LOOKUP_CONTACT | LOOKUP_TICKET_STALE_OK, id]. */
  ids: Int32Array;
}

/**
 * Lean lookup channel: worker → main. For a ticket, `answers[i]` is the whole widget body as JSON text and
 * `tags[i]` its ETag; for a contact, the assets array JSON and the assets' tag (widget-body.ts AssetsPart).
 * null: the cache cannot answer (not ready, or the ticket or contact is not known to it yet) and the caller
 * must ask SQL.
 */
export interface LookupReply {
  type: 'lookup';
  requestIds: Int32Array;
  answers: Array<string | null>;
  tags: Array<string | null>;
  /** The contact each answer is for: a ticket's contact, so the front need not look it up or parse it from the ETag; 0 for none. */
  contacts: Int32Array;
  /**
   * Set when the batch held LOOKUP_TICKET_STALE_OK lookups and the cache was not `ready`: seconds since it was
   * last known fresh. Its answers to those lookups (when not null) may be out of date.
   */
  staleSeconds?: number;
}

/** What changed in the cache since the last notice: the front recomputes only the widgets these touch. */
export interface ChangeNotice {
  contacts: number[];
  tickets: number[];
  /** A new snapshot was swapped in: anything may have changed. */
  all: boolean;
}

/** Events the worker reports without being asked. */
export type WorkerEvent = { type: 'event'; name: 'state'; state: CacheState } | { type: 'event'; name: 'changes'; notice: ChangeNotice };
