import { describe, expect, it } from 'vitest';
import type { CacheStats } from '../../src/cache/cache-client';
import { since, summarizeCacheStats } from '../../src/cache/stats-summary';

const NOW = new Date('2026-11-30T12:00:00Z');

function stats(overrides: Partial<CacheStats> = {}): CacheStats {
  return {
    state: 'ready', hits: 990, empty: 3, size: 12_345, contacts: 4_000, tickets: 9_000, overlay: 0,
    last_warmup: '2026-11-30T11:57:00Z', warm_duration_ms: 412, refreshes: 1, refresh_failures: 0, slow_lookups: 0,
    ttl_seconds: 0, feed_connected: true, feed_reconnects: 0, feed_heartbeat_ms: 2, changes_applied: 5,
    last_change_at: '2026-11-30T11:59:30Z', heap_used_bytes: 8_000_000, snapshot_bytes: 3_145_728, build_in: 'thread',
    misses: 10, grace_answers: 0, hit_rate: 99, worker_restarts: 0, worker_available: true,
    feed_invalid: 0, feed_retries: 0, feed_stalls: 0, pending_changes: 0, pending_change_age_ms: 0,
    audit_per_minute: 20, audit_checks: 40, drift: 0, drift_repaired: 0, last_drift_at: null,
    feed_mode: 'notify', feed_leader: false, feed_lag_bytes: null, feed_lag_seconds: null, feed_wal_reconnects: 0, feed_wal_stalls: 0,
    feed_takeovers: 0, feed_slots_created: 0, feed_seq: null, feed_gaps: 0, feed_gap_resyncs: 0, feed_leader_silences: 0, feed_batch_failures: 0, feed_batches_read: 0, feed_rereads: 0,
    ...overrides,
  };
}

describe('summarizeCacheStats', () => {
  it('reads a healthy cache as one line: OK and the figures that matter', () => {
    expect(summarizeCacheStats(stats(), NOW)).toEqual({
      status: 'ok',
      text:
        'OK: 12,345 active assets of 4,000 contacts cached, hit rate 99% of 1,000 lookups, warmed 3 min ago in 412 ms, ' +
        'change feed connected, last change applied 30 s ago, snapshot 3.0 MB',
      problems: [],
      notes: [],
    });
  });

  it('says the widget is answered from SQL while warming, and when the first warm-up failed', () => {
    const warming = summarizeCacheStats(stats({ state: 'warming', last_warmup: null, warm_duration_ms: null, size: 0 }), NOW);
    expect(warming.status).toBe('warming');
    expect(warming.problems).toEqual(['Warming up: the widget is answered from SQL until the first snapshot is built.']);
    expect(warming.text).toMatch(/^WARMING: .*warmed never, .*\. Warming up: /);

    const failed = summarizeCacheStats(stats({ state: 'degraded', last_warmup: null, refresh_failures: 2 }), NOW);
    expect(failed.status).toBe('degraded');
    expect(failed.problems[0]).toMatch(/^The first warm-up failed/);
    expect(failed.notes).toEqual(['2 snapshot builds failed since start.']);
  });

  it('tells a lost change feed from a resync, and a worker that does not answer', () => {
    expect(summarizeCacheStats(stats({ state: 'degraded', feed_connected: false, feed_reconnects: 1 }), NOW)).toMatchObject({
      status: 'degraded',
      problems: [expect.stringMatching(/^The change feed is disconnected/)],
      notes: ['The change feed reconnected 1 time since start.'],
    });
    expect(summarizeCacheStats(stats({ state: 'degraded' }), NOW).problems).toEqual([
      expect.stringMatching(/^Resyncing after a change-feed loss/),
    ]);
    const stuck = summarizeCacheStats(stats({ worker_available: false, worker_restarts: 3 }), NOW);
    expect(stuck.status).toBe('degraded');
    expect(stuck.problems[0]).toMatch(/^The cache worker is not answering/);
    expect(stuck.notes).toEqual(['The cache worker restarted 3 times since start.']);
  });

  it('notes slow lookups, a slow heartbeat and a low hit rate without calling the cache unhealthy', () => {
    const summary = summarizeCacheStats(stats({ slow_lookups: 1, feed_heartbeat_ms: 1_500, hits: 100, misses: 100, hit_rate: 50 }), NOW);
    expect(summary.status).toBe('ok');
    expect(summary.notes).toEqual([
      '1 lookup batch took longer than CACHE_SLOW_LOOKUP_MS.',
      "The change feed's last heartbeat took 1500 ms: the database or its connection is slow.",
      'Hit rate 50%: 100 widget lookups went to SQL since start.',
    ]);
  });
});

describe('since', () => {
  it('rounds to the unit a person reads', () => {
    expect([null, '2026-11-30T11:59:59Z', '2026-11-30T11:30:00Z', '2026-11-30T05:00:00Z', '2026-11-20T12:00:00Z'].map((t) => since(t, NOW)))
      .toEqual(['never', '1 s ago', '30 min ago', '7 h ago', '10 d ago']);
  });
});
