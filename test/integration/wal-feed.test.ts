import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, sqlWidget, type PairInstance, type ServicePair } from '../helpers/service-pair';
import { useWalPair } from '../helpers/wal-pair';
import type { WorkerStats } from '../../src/cache/protocol';

const SEED = { contacts: 2_400, tickets: 3_600, assets: 12_000 };
const BURST_ROWS = 10_000;
const BURST_TRANSACTIONS = 20;

type FeedStats = Pick<WorkerStats, 'state' | 'refreshes' | 'feed_mode' | 'feed_leader' | 'feed_wal_reconnects' | 'feed_takeovers' | 'feed_lag_bytes' | 'feed_slots_created' | 'feed_gaps' | 'feed_gap_resyncs' | 'drift' | 'pending_changes'>;

describe('the WAL feed: one instance decodes the slot, every instance applies, nothing resyncs for a lost connection', () => {
  const wal = useWalPair(SEED);
  let pair: ServicePair;
  beforeAll(() => {
    pair = wal().pair;
  });

  const stats = (instance: PairInstance) => wal().stats<FeedStats>(instance);
  const widget = (instance: PairInstance, ticket: number) => wal().widget(instance, ticket);
  const leaderAndFollower = async (): Promise<[PairInstance, PairInstance]> =>
    eventually(async () => {
      const [a, b] = [await stats(pair.a), await stats(pair.b)];
      expect([a.feed_leader, b.feed_leader].filter(Boolean)).toHaveLength(1);
      return a.feed_leader ? [pair.a, pair.b] : [pair.b, pair.a];
    }, 3_000);
  /** Tickets whose contact owns one of the first `rows` assets, a sample of at most `count`. */
  const ticketsOfAssets = async (rows: number, count: number): Promise<number[]> => {
    const { rows: tickets } = await pair.db.pool.query<{ id: number }>(
      `SELECT DISTINCT ON (t.contact_id) t.id FROM tickets t JOIN assets a ON a.contact_id = t.contact_id
       WHERE a.id <= $1 ORDER BY t.contact_id, t.id LIMIT $2`,
      [rows, count],
    );
    return tickets.map((t) => t.id);
  };

  const assetTrigger = async () => (await pair.db.pool.query<{ tgenabled: string }>(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'assets_notify'`)).rows[0]!.tgenabled;
  const ticketsOfAssetId = async (id: number): Promise<number[]> => {
    const { rows } = await pair.db.pool.query<{ id: number }>('SELECT t.id FROM tickets t JOIN assets a ON a.contact_id = t.contact_id WHERE a.id = $1 LIMIT 1', [id]);
    return rows.map((r) => r.id);
  };

  it('runs in WAL mode with one leader, the notify triggers disabled, and propagates a plain SQL write to both', async () => {
    const [leader] = await leaderAndFollower();
    expect((await stats(leader)).feed_mode).toBe('wal');
    const { rows } = await pair.db.pool.query<{ tgname: string; tgenabled: string }>(
      `SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid IN ('assets'::regclass, 'tickets'::regclass, 'contacts'::regclass) AND tgname LIKE '%notify%'`,
    );
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.tgenabled === 'D'), JSON.stringify(rows)).toBe(true);
    const [ticket] = await ticketsOfAssets(1, 1);
    await pair.db.pool.query(`UPDATE assets SET hostname = 'WAL-1' WHERE id = 1`);
    const expected = await sqlWidget(pair.db, ticket!);
    for (const instance of [pair.a, pair.b]) await eventually(async () => expect(await widget(instance, ticket!)).toEqual(expected), 2_000);
  });

  it('applies a 10,000-row burst everywhere though the replication connection is killed in its middle, with no rebuild', async () => {
    const [leader, follower] = await leaderAndFollower();
    // A resync an earlier step asked for (a new slot) may still be waiting out its jitter: let it finish first.
    await eventually(async () => expect((await Promise.all([stats(pair.a), stats(pair.b)])).map((s) => s.state)).toEqual(['ready', 'ready']), 15_000);
    const before = await Promise.all([stats(pair.a), stats(pair.b)]);
    const leaderBefore = await stats(leader);
    const perTransaction = BURST_ROWS / BURST_TRANSACTIONS;
    const started = performance.now();
    for (let t = 0; t < BURST_TRANSACTIONS; t++) {
      await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'burst-' || id WHERE id > $1 AND id <= $2`, [
        t * perTransaction,
        (t + 1) * perTransaction,
      ]);
      if (t === BURST_TRANSACTIONS / 2) {
        const { rowCount } = await pair.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'asset-cache-wal' AND datname = current_database()`);
        expect(rowCount, 'the replication connection was found and killed').toBe(1);
      }
    }
    const burstMs = Math.round(performance.now() - started);
    // Caught up: a marker written after the burst is seen by both, with nothing left pending.
    await pair.db.pool.query(`UPDATE assets SET hostname = 'MARKER' WHERE id = $1`, [BURST_ROWS + 1]);
    const [marker] = await ticketsOfAssetId(BURST_ROWS + 1);
    const markerExpected = await sqlWidget(pair.db, marker!);
    await Promise.all(
      [leader, follower].map((instance) =>
        eventually(async () => {
          const res = await instance.call(`/api/assets/widget/${marker!}`, { token: pair.techToken });
          // From the cache: a degraded instance answers from SQL, which says nothing about what it has applied.
          expect(res.headers.get('cache-status'), `marker on ${instance.url}`).toBe('asset-cache; hit');
          expect(res.body).toEqual(markerExpected);
          expect((await stats(instance)).pending_changes).toBe(0);
        }, 10_000),
      ),
    );
    const catchUpMs = Math.round(performance.now() - started) - burstMs;
    const after = await Promise.all([stats(pair.a), stats(pair.b)]);
    // A stale row after a rebuild, a takeover or a gap points at different causes: every message names them.
    const story = JSON.stringify(after.map(({ state, refreshes, feed_takeovers, feed_gaps, feed_gap_resyncs, drift }) => ({ state, refreshes, feed_takeovers, feed_gaps, feed_gap_resyncs, drift })));
    for (const ticket of await ticketsOfAssets(BURST_ROWS, 200)) {
      const expected = await sqlWidget(pair.db, ticket);
      for (const instance of [leader, follower]) expect(await widget(instance, ticket), `ticket ${ticket} on ${instance.url}; a, b: ${story}`).toEqual(expected);
    }
    expect(after.map((s) => s.refreshes), 'no full rebuild on either instance').toEqual(before.map((s) => s.refreshes));
    expect(after.every((s) => s.state === 'ready')).toBe(true);
    expect((await stats(leader)).feed_wal_reconnects).toBeGreaterThan(leaderBefore.feed_wal_reconnects);
    console.log(`10k burst (${BURST_TRANSACTIONS} transactions, ${burstMs} ms to write) with the replication connection killed: both instances caught up ${catchUpMs} ms after the last commit`);
  });

  it('exports the slot lag on the leader', async () => {
    const [leader] = await leaderAndFollower();
    await eventually(async () => expect((await stats(leader)).feed_lag_bytes).not.toBeNull(), 3_000);
  });

  it('a slot dropped under the leader is created again, logged, and every instance resyncs once (changes were lost)', async () => {
    const [leader] = await leaderAndFollower();
    const before = await Promise.all([stats(pair.a), stats(pair.b)]);
    const leaderBefore = await stats(leader);
    const { rows } = await pair.db.pool.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE database = current_database()');
    expect(rows).toHaveLength(1);
    const slot = rows[0]!.slot_name;
    await eventually(async () => {
      await pair.db.pool.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]);
      await pair.db.pool.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }, 3_000);
    // Written while no slot exists: only a resync can bring it.
    await pair.db.pool.query(`UPDATE assets SET hostname = 'WHILE-NO-SLOT' WHERE id = 3`);
    await eventually(async () => {
      const after = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(after.map((s) => s.refreshes)).toEqual(before.map((s) => s.refreshes + 1));
      expect(after.every((s) => s.state === 'ready')).toBe(true);
    }, 5_000);
    expect((await stats(leader)).feed_slots_created).toBe(leaderBefore.feed_slots_created + 1);
    const [ticket] = await ticketsOfAssets(3, 1);
    const expected = await sqlWidget(pair.db, ticket!);
    for (const instance of [pair.a, pair.b]) await eventually(async () => expect(await widget(instance, ticket!)).toEqual(expected), 2_000);
  });

  it('the leader process killed: the other instance takes over within 2 s and goes on applying', async () => {
    const [leader, follower] = await leaderAndFollower();
    const refreshesBefore = (await stats(follower)).refreshes;
    // A notify-mode instance listening: the new leader must keep the triggers on until it is gone.
    const notifyListener = new pg.Client({ connectionString: pair.db.url, application_name: 'asset-cache-listen' });
    await notifyListener.connect();
    await pair.db.pool.query('ALTER TABLE assets ENABLE TRIGGER assets_notify');
    const killedAt = performance.now();
    leader.service.child.kill('SIGKILL');
    await eventually(async () => expect((await stats(follower)).feed_leader).toBe(true), 2_000);
    const takeoverMs = Math.round(performance.now() - killedAt);
    expect(await assetTrigger(), 'kept while a notify-mode instance listens').toBe('O');
    await notifyListener.end();
    await eventually(async () => expect(await assetTrigger(), 'disabled once it has gone').toBe('D'), 3_000);
    const [ticket] = await ticketsOfAssets(2, 1);
    await pair.db.pool.query(`UPDATE assets SET hostname = 'AFTER-TAKEOVER' WHERE id = 2`);
    const expected = await sqlWidget(pair.db, ticket!);
    await eventually(async () => expect(await widget(follower, ticket!)).toEqual(expected), 2_000);
    expect((await stats(follower)).refreshes, 'no rebuild for a takeover').toBe(refreshesBefore);
    console.log(`leader killed: takeover in ${takeoverMs} ms`);
  });
});
