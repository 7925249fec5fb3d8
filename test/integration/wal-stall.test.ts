import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, sqlWidget, type PairInstance, type ServicePair } from '../helpers/service-pair';
import { useWalPair } from '../helpers/wal-pair';
import type { WorkerStats } from '../../src/cache/protocol';

const SEED = { contacts: 300, tickets: 600, assets: 2_000 };

type StallStats = Pick<WorkerStats, 'state' | 'refreshes' | 'feed_leader' | 'feed_wal_reconnects' | 'feed_wal_stalls' | 'feed_leader_silences'>;

describe('a replication stream that stays connected but delivers nothing', () => {
  const wal = useWalPair(SEED);
  let pair: ServicePair;
  beforeAll(() => {
    pair = wal().pair;
  });
  const stats = (instance: PairInstance) => wal().stats<StallStats>(instance);
  const both = () => Promise.all([stats(pair.a), stats(pair.b)]);

  it('is noticed (a probe goes unanswered), reconnected and reported as not fresh; once the server answers again, what was written meanwhile applies with no rebuild', async () => {
    await eventually(async () => {
      const [a, b] = await both();
      expect([a.feed_leader, b.feed_leader].filter(Boolean)).toHaveLength(1);
      expect([a.state, b.state]).toEqual(['ready', 'ready']);
    }, 15_000);
    const before = await both();
    const { rows } = await pair.db.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'asset-cache-wal' AND datname = current_database()`,
    );
    expect(rows, 'one walsender for this database').toHaveLength(1);
    const walsender = rows[0]!.pid;
    const { rows: pick } = await pair.db.pool.query<{ ticket: number; asset: number }>(
      `SELECT t.id AS ticket, a.id AS asset FROM tickets t JOIN assets a ON a.contact_id = t.contact_id WHERE a.status = 'active' ORDER BY a.created_at DESC, a.id DESC LIMIT 1`,
    );
    const { ticket, asset } = pick[0]!;
    // The walsender's socket stays open and its kernel keeps acknowledging: connected, silent.
    process.kill(walsender, 'SIGSTOP');
    try {
      await pair.db.pool.query(`UPDATE assets SET hostname = 'WRITTEN-WHILE-STALLED' WHERE id = $1`, [asset]);
      await eventually(async () => {
        const now = await both();
        expect(now.map((s, i) => s.feed_wal_reconnects - before[i]!.feed_wal_reconnects).some((n) => n > 0), 'the stalled stream ended and a new one tried').toBe(true);
        expect(now.map((s, i) => s.feed_wal_stalls - before[i]!.feed_wal_stalls).some((n) => n > 0), 'counted as a stall, not only as a lost connection').toBe(true);
        // The leader stops its heartbeat while it cannot stream, so no instance claims to be fresh.
        expect(now.some((s, i) => s.feed_leader_silences > before[i]!.feed_leader_silences), 'an instance noticed the leader is not relaying').toBe(true);
      }, 25_000);
    } finally {
      process.kill(walsender, 'SIGCONT');
    }
    const expected = await sqlWidget(pair.db, ticket);
    expect(JSON.stringify(expected)).toContain('WRITTEN-WHILE-STALLED');
    for (const instance of [pair.a, pair.b]) {
      await eventually(async () => expect(await wal().widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), 15_000);
    }
    await eventually(async () => expect((await both()).map((s) => s.state)).toEqual(['ready', 'ready']), 15_000);
    expect((await both()).map((s) => s.refreshes), 'no full rebuild').toEqual(before.map((s) => s.refreshes));
  }, 90_000);
});
