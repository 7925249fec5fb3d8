import type { CacheStats } from './cache-client';

/**
 * `ok`: the widget is answered from a current cache. `warming`: the first snapshot is being built. `degraded`:
 * the cache cannot answer (warm-up failed, change feed lost, worker not answering). In the last two the widget
 * still works, from SQL, at SQL's cost.
 */
export type CacheHealth = 'ok' | 'warming' | 'degraded';

export interface CacheStatsSummary {
  status: CacheHealth;
  /** One line for a human: the status and the figures that matter. */
  text: string;
  /** What is wrong now and what it means for the widget; empty when status is ok. */
  problems: string[];
  /** Things since start worth a look in the logs (restarts, failures, reconnects, slow lookups); may be empty. */
  notes: string[];
}

const plural = (n: number, word: string, words = `${word}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;

/** "12 s", "4 min", "3 h", "2 d" since `iso`; "never" for null. */
export function since(iso: string | null, now: Date): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/**
 * The cache's stats read for an operator: a status, one line to read at a glance, and sentences for what is
 * wrong. Pure: the same stats and `now` always give the same summary.
 */
export function summarizeCacheStats(stats: CacheStats, now: Date): CacheStatsSummary {
  const problems: string[] = [];
  const notes: string[] = [];
  let status: CacheHealth = 'ok';

  if (!stats.worker_available) {
    status = 'degraded';
    problems.push('The cache worker is not answering (restarting or stuck): the figures are its last report, and the widget is answered from SQL.');
  }
  if (stats.state === 'cold' || stats.state === 'warming') {
    if (status === 'ok') status = 'warming';
    problems.push('Warming up: the widget is answered from SQL until the first snapshot is built.');
  } else if (stats.state === 'degraded') {
    status = 'degraded';
    if (stats.last_warmup === null) {
      problems.push('The first warm-up failed and is retried with backoff: the widget is answered from SQL (see cache.warm_failed in the logs).');
    } else if (!stats.feed_connected) {
      problems.push('The change feed is disconnected: the widget is answered from SQL until it reconnects and the cache resyncs.');
    } else {
      problems.push('Resyncing after a change-feed loss: the widget is answered from SQL until the rebuild finishes.');
    }
  }

  if (stats.worker_restarts > 0) notes.push(`The cache worker restarted ${plural(stats.worker_restarts, 'time')} since start.`);
  if (stats.refresh_failures > 0) notes.push(`${plural(stats.refresh_failures, 'snapshot build')} failed since start.`);
  if (stats.feed_reconnects > 0) notes.push(`The change feed reconnected ${plural(stats.feed_reconnects, 'time')} since start.`);
  if (stats.slow_lookups > 0) notes.push(`${plural(stats.slow_lookups, 'lookup batch', 'lookup batches')} took longer than CACHE_SLOW_LOOKUP_MS.`);
  if (stats.feed_heartbeat_ms !== null && stats.feed_heartbeat_ms > 1_000) {
    notes.push(`The change feed's last heartbeat took ${stats.feed_heartbeat_ms} ms: the database or its connection is slow.`);
  }
  const lookups = stats.hits + stats.misses;
  if (status === 'ok' && lookups >= 100 && stats.hit_rate < 90) {
    notes.push(`Hit rate ${stats.hit_rate}%: ${plural(stats.misses, 'widget lookup')} went to SQL since start.`);
  }

  const parts = [
    `${plural(stats.size, 'active asset')} of ${plural(stats.contacts, 'contact')} cached`,
    `hit rate ${stats.hit_rate}% of ${plural(lookups, 'lookup')}`,
    `warmed ${since(stats.last_warmup, now)}${stats.warm_duration_ms === null ? '' : ` in ${stats.warm_duration_ms} ms`}`,
    `change feed ${stats.feed_connected ? 'connected' : 'DOWN'}`,
    `last change applied ${since(stats.last_change_at, now)}`,
    `snapshot ${(stats.snapshot_bytes / 1_048_576).toFixed(1)} MB`,
  ];
  const text = `${status.toUpperCase()}: ${parts.join(', ')}${problems.length > 0 ? `. ${problems[0]}` : ''}`;
  return { status, text, problems, notes };
}
