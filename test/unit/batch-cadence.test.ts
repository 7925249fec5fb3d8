import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchCadence, PUBLISH_INTERVAL_MS } from '../../workers/batch-cadence';
import type { CommittedChanges } from '../../workers/wal-transaction';

const committed = (n: number, rows = 1): CommittedChanges[] =>
  Array.from({ length: n }, (_, i) => ({ rows: Array.from({ length: rows }, (_r, j) => ['ad', i * 1000 + j] as ['ad', number]), lsn: `0/${(i + 1).toString(16)}`, xid: 100 + i, commitTimeMs: 0 }));

describe('batch cadence: when the WAL relay publishes its next batch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a few writes: every batch goes out at once, however soon after the last', () => {
    const cadence = new BatchCadence();
    for (let i = 0; i < 3; i++) {
      const queue = committed(2);
      expect(cadence.waitMs(queue)).toBe(0);
      cadence.published(cadence.take(queue));
      vi.advanceTimersByTime(1);
    }
  });

  it('under load (the last batch held 16 transactions or more): the next starts a full interval after the last began', () => {
    const cadence = new BatchCadence();
    cadence.published(cadence.take(committed(16)));
    vi.advanceTimersByTime(10);
    expect(cadence.waitMs(committed(5))).toBe(PUBLISH_INTERVAL_MS - 10);
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS - 10);
    expect(cadence.waitMs(committed(5))).toBe(0);
  });

  it('a backlog (more than one batch of rows queued) goes out without waiting', () => {
    const cadence = new BatchCadence();
    cadence.published(cadence.take(committed(16)));
    // Two transactions of 600 rows: over the 1,000 rows of one batch.
    expect(cadence.waitMs(committed(2, 600))).toBe(0);
  });

  it('takes whole transactions up to 1,000 rows, with the last LSN to confirm and every xid to check for visibility', () => {
    const cadence = new BatchCadence();
    const queue = [...committed(3, 400), { rows: [['rs']], lsn: null, xid: null, commitTimeMs: 0 } as CommittedChanges];
    const first = cadence.take(queue);
    expect(first).toMatchObject({ transactions: 2, lsn: '0/2', xids: [100, 101] });
    expect(first.rows).toHaveLength(800);
    const own = cadence.take([{ rows: [['rs']], lsn: null, xid: null, commitTimeMs: 0 }]);
    expect(own).toMatchObject({ transactions: 1, lsn: undefined, xids: [] });
  });

  it('a batch not visible yet is tried again after 2 ms, doubling to 100 ms, at once after a publish again', () => {
    const cadence = new BatchCadence();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => cadence.notVisible())).toEqual([2, 4, 8, 16, 32, 64, 100, 100]);
    cadence.published(cadence.take(committed(1)));
    expect(cadence.notVisible()).toBe(2);
  });
});
