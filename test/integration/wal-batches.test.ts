import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, sqlWidget, type PairInstance, type ServicePair } from '../helpers/service-pair';
import { useWalPair } from '../helpers/wal-pair';
import { CHANGE_CHANNEL } from '../../workers/change-feed';
import type { WorkerStats } from '../../src/cache/protocol';

const SEED = { contacts: 300, tickets: 600, assets: 2_000 };

type BatchStats = Pick<WorkerStats, 'state' | 'refreshes' | 'feed_leader' | 'feed_seq' | 'feed_gaps' | 'feed_gap_resyncs' | 'feed_leader_silences' | 'feed_batch_failures' | 'feed_batches_read' | 'feed_rereads' | 'feed_takeovers' | 'pending_changes'>;

describe('the WAL relay batches: rows applied as sent, gaps read back, a silent leader replaced', () => {
  const wal = useWalPair(SEED);
  let pair: ServicePair;
  beforeAll(() => {
    pair = wal().pair;
  });

  const stats = (instance: PairInstance) => wal().stats<BatchStats>(instance);
  const both = () => Promise.all([stats(pair.a), stats(pair.b)]);
  const widget = (instance: PairInstance, ticket: number) => wal().widget(instance, ticket);
  const leaderAndFollower = async (): Promise<[PairInstance, PairInstance]> =>
    eventually(async () => {
      const [a, b] = await both();
      expect([a.feed_leader, b.feed_leader].filter(Boolean)).toHaveLength(1);
      expect([a.state, b.state]).toEqual(['ready', 'ready']);
      return a.feed_leader ? [pair.a, pair.b] : [pair.b, pair.a];
    }, 15_000);
  /** Tickets of contacts owning assets with ids in [from, to], a sample of at most `count`. */
  const ticketsOf = async (from: number, to: number, count: number): Promise<number[]> => {
    const { rows } = await pair.db.pool.query<{ id: number }>(
      `SELECT DISTINCT ON (t.contact_id) t.id FROM tickets t JOIN assets a ON a.contact_id = t.contact_id
       WHERE a.id BETWEEN $1 AND $2 ORDER BY t.contact_id, t.id LIMIT $3`,
      [from, to, count],
    );
    return rows.map((r) => r.id);
  };
  const allMatchSql = async (tickets: number[], timeoutMs: number) => {
    for (const ticket of tickets) {
      const expected = await sqlWidget(pair.db, ticket);
      for (const instance of [pair.a, pair.b]) {
        await eventually(async () => expect(await widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), timeoutMs);
      }
    }
  };

  it('applies asset, ticket and contact rows from the batches without re-reading any', async () => {
    await leaderAndFollower();
    const before = await both();
    const { rows: pick } = await pair.db.pool.query<{ ticket: number; contact: number; other: number }>(
      `SELECT t.id AS ticket, t.contact_id AS contact, o.id AS other FROM tickets t
       JOIN contacts o ON o.client_id = t.client_id AND o.id <> t.contact_id
       WHERE EXISTS (SELECT 1 FROM assets a WHERE a.contact_id = o.id AND a.status = 'active') LIMIT 1`,
    );
    const { ticket, contact, other } = pick[0]!;
    await pair.db.pool.query(`UPDATE assets SET hostname = 'ROW-' || id WHERE contact_id = $1`, [other]);
    await pair.db.pool.query(`UPDATE assets SET status = 'retired' WHERE id = (SELECT min(id) FROM assets WHERE contact_id = $1 AND status = 'active')`, [other]);
    await pair.db.pool.query(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date)
       SELECT 'NEW-ROW', client_id, id, '2025-01-01', '2029-02-03' FROM contacts WHERE id = $1`,
      [other],
    );
    await pair.db.pool.query(`UPDATE contacts SET name = 'Renamed "quoted" \\ name' WHERE id = $1`, [other]);
    await pair.db.pool.query('UPDATE tickets SET contact_id = $1 WHERE id = $2', [other, ticket]);
    await pair.db.pool.query(`DELETE FROM assets WHERE id = (SELECT max(id) FROM assets WHERE contact_id = $1 AND hostname LIKE 'ROW-%')`, [other]);
    await allMatchSql([ticket], 3_000);
    expect(((await widget(pair.a, ticket)) as { contact_name: string }).contact_name).toBe('Renamed "quoted" \\ name');
    await pair.db.pool.query('UPDATE tickets SET contact_id = $1 WHERE id = $2', [contact, ticket]);
    await allMatchSql([ticket], 3_000);
    const after = await both();
    expect(after.map((s) => s.feed_rereads), 'not one row re-read').toEqual(before.map((s) => s.feed_rereads));
    expect(after.map((s) => s.refreshes), 'no rebuild').toEqual(before.map((s) => s.refreshes));
    expect(after[0]!.feed_seq, 'both at the same batch').toBe(after[1]!.feed_seq);
  });

  it('the leader applies the batches it publishes from memory, never reading one back; the other instance reads each once', async () => {
    const [leader, follower] = await leaderAndFollower();
    const before = await Promise.all([stats(leader), stats(follower)]);
    // One at a time: several batches, each notification racing the leader's own statement.
    for (let i = 0; i < 30; i++) await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'own-${i}' WHERE id = $1`, [700 + i]);
    await allMatchSql(await ticketsOf(700, 729, 10), 3_000);
    const after = await eventually(async () => {
      const now = await Promise.all([stats(leader), stats(follower)]);
      expect(now[0]!.feed_seq).toBe(now[1]!.feed_seq);
      expect(now[0]!.feed_seq! - before[0]!.feed_seq!).toBeGreaterThan(3);
      return now;
    }, 5_000);
    const published = after[0]!.feed_seq! - before[0]!.feed_seq!;
    expect(after[0]!.feed_batches_read - before[0]!.feed_batches_read, 'read back by the leader').toBe(0);
    expect(after[1]!.feed_batches_read - before[1]!.feed_batches_read, 'read by the other').toBe(published);
  });

  it('re-reads only a row whose TOASTed value pgoutput left out, and applies it', async () => {
    await leaderAndFollower();
    // The newest asset of all is on its contact's first widget page.
    const { rows: newest } = await pair.db.pool.query<{ id: number }>(
      `SELECT id FROM assets WHERE contact_id IS NOT NULL AND status = 'active' ORDER BY created_at DESC, id DESC LIMIT 1`,
    );
    const id = newest[0]!.id;
    // Random 3-byte characters in several columns (pglz cannot shrink them): the row's values are stored out of
    // line, and an update of another column sends them as "unchanged".
    await pair.db.pool.query(`UPDATE assets SET hostname = w(), manufacturer = w(), model = w(), serial_number = w(), pdq_device_id = w() WHERE id = $1`.replaceAll(
      'w()',
      `(SELECT string_agg(chr(19968 + (random() * 20000)::int), '') FROM generate_series(1, 255))`,
    ), [id]);
    const [ticket] = await ticketsOf(id, id, 1);
    await allMatchSql([ticket!], 3_000);
    const before = await both();
    await pair.db.pool.query(`UPDATE assets SET screenconnect_session_id = 'toast-check' WHERE id = $1`, [id]);
    await eventually(async () => {
      const after = await both();
      expect(after.map((s, i) => s.feed_rereads - before[i]!.feed_rereads), 'that one row re-read on each instance').toEqual([1, 1]);
    }, 3_000);
    await allMatchSql([ticket!], 3_000);
    expect(JSON.stringify(await widget(pair.a, ticket!))).toContain('toast-check');
  });

  it("a lost LISTEN connection: the batches published meanwhile are read back, every change applied, no rebuild", async () => {
    await leaderAndFollower();
    const before = await both();
    const killed = await pair.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'asset-cache-follow' AND datname = current_database()`);
    expect(killed.rowCount, 'both instances LISTEN').toBe(2);
    for (let i = 0; i < 20; i++) await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'gap-${i}-' || id WHERE id BETWEEN $1 AND $2`, [100 + i * 10, 109 + i * 10]);
    await allMatchSql(await ticketsOf(100, 299, 40), 5_000);
    const after = await eventually(async () => {
      const now = await both();
      expect(now.map((s) => s.state)).toEqual(['ready', 'ready']);
      expect(now.map((s) => s.pending_changes)).toEqual([0, 0]);
      return now;
    }, 5_000);
    expect(after.map((s) => s.refreshes), 'no rebuild').toEqual(before.map((s) => s.refreshes));
    expect(after.every((s, i) => s.feed_gaps > before[i]!.feed_gaps), 'each counted its gap').toBe(true);
    expect(after.map((s) => s.feed_gap_resyncs)).toEqual(before.map((s) => s.feed_gap_resyncs));
    expect(after.map((s) => s.feed_rereads), 'read back as rows, not re-read').toEqual(before.map((s) => s.feed_rereads));
  });

  it.each([
    ['JSON that does not parse (a leader before migration 010 wrote `rows`)', 'rows', `'not json'`],
    ['a packed body that does not inflate', 'packed', `'\\x00ff00ff'::bytea`],
  ])('a batch that cannot be applied (%s) is neither skipped nor retried forever: every instance resyncs, counted, and later changes apply', async (_what, column, body) => {
    await leaderAndFollower();
    const before = await both();
    // At the next number, announced as a batch: what a corrupt or foreign row would look like.
    await pair.db.pool.query(
      `WITH b AS (INSERT INTO awc_feed_batches (seq, ${column}) SELECT max(seq) + 1, ${body} FROM awc_feed_batches RETURNING seq)
       SELECT pg_notify($1, json_build_object('t', 'b', 's', seq)::text) FROM b`,
      [CHANGE_CHANNEL],
    );
    await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'after-poison-' || id WHERE id BETWEEN 300 AND 340`);
    await eventually(async () => {
      const now = await both();
      expect(now.map((s, i) => s.feed_batch_failures - before[i]!.feed_batch_failures), 'counted once on each').toEqual([1, 1]);
      expect(now.every((s, i) => s.refreshes > before[i]!.refreshes), 'each resynced').toBe(true);
      expect(now.map((s) => s.state)).toEqual(['ready', 'ready']);
    }, 20_000);
    await allMatchSql(await ticketsOf(300, 340, 10), 10_000);
  });

  it('keeps the batches where writers do not pay for them: unlogged, deflated, and in the table itself up to a page', async () => {
    const { rows } = await pair.db.pool.query<{ relpersistence: string; storage: string[]; options: string[] | null }>(
      `SELECT c.relpersistence, c.reloptions AS options, ARRAY(SELECT a.attstorage::text FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attname IN ('rows', 'packed') ORDER BY a.attname) AS storage
       FROM pg_class c WHERE c.relname = 'awc_feed_batches'`,
    );
    expect(rows[0]!.relpersistence, 'unlogged (007): no WAL, no flush').toBe('u');
    expect(rows[0]!.storage, 'never pglz-compressed by the server (008, 010)').toEqual(['e', 'e']);
    expect(rows[0]!.options, 'tuples up to a page stay inline (010)').toContain('toast_tuple_target=8160');
    await leaderAndFollower();
    const { rows: last } = await pair.db.pool.query<{ seq: string }>('SELECT max(seq)::text AS seq FROM awc_feed_batches');
    await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'packed-' || id WHERE id BETWEEN 600 AND 649`);
    await allMatchSql(await ticketsOf(600, 649, 5), 5_000);
    const { rows: batches } = await pair.db.pool.query<{ text_rows: number; packed: number; bytes: number }>(
      `SELECT count(rows)::int AS text_rows, count(packed)::int AS packed, COALESCE(sum(octet_length(packed)), 0)::int AS bytes
       FROM awc_feed_batches WHERE seq > $1`,
      [last[0]!.seq],
    );
    expect(batches[0]!.packed, 'the 50 changed rows were published').toBeGreaterThan(0);
    expect(batches[0]!.text_rows, 'no batch as JSON text').toBe(0);
    // 50 asset rows are ~11 kB of JSON: deflated, well under half of that.
    expect(batches[0]!.bytes).toBeLessThan(5_000);
  });

  it('the batch table emptied, as a PostgreSQL crash leaves it (unlogged): every instance resyncs, with no write needed, and later batches apply', async () => {
    await leaderAndFollower();
    // Enough batches that an instance's number is above what a leader restarting at 1 would reach below.
    for (let i = 0; i < 12; i++) await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'pre-empty-${i}' WHERE id = $1`, [400 + i]);
    await eventually(async () => {
      const [a, b] = await both();
      expect(a.feed_seq).toBe(b.feed_seq);
      expect(a.pending_changes + b.pending_changes).toBe(0);
    }, 5_000);
    const before = await both();
    // A crash empties the table and ends every session, the leader's among them.
    await pair.db.pool.query('TRUNCATE awc_feed_batches');
    await pair.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'asset-cache-relay' AND datname = current_database()`);
    await eventually(async () => {
      const now = await both();
      expect(now.map((s, i) => s.feed_gap_resyncs - before[i]!.feed_gap_resyncs), 'each noticed, from the heartbeat alone').toEqual([1, 1]);
      expect(now.every((s, i) => s.refreshes > before[i]!.refreshes), 'each resynced').toBe(true);
      expect(now.map((s) => s.state)).toEqual(['ready', 'ready']);
    }, 15_000);
    // The new leader numbered from the clock and put an empty batch in at once, with nothing written: a
    // leader change now continues that numbering, so no instance resyncs a second time.
    const { rows: kept } = await pair.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM awc_feed_batches');
    expect(kept[0]!.n, 'a batch in the emptied table with no write').toBeGreaterThan(0);
    const resynced = await both();
    await pair.db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'asset-cache-relay' AND datname = current_database()`);
    await new Promise((r) => setTimeout(r, 3_000));
    await leaderAndFollower();
    expect((await both()).map((s) => s.feed_gap_resyncs), 'no second resync for a leader change').toEqual(resynced.map((s) => s.feed_gap_resyncs));
    for (let i = 0; i < 3; i++) await pair.db.pool.query(`UPDATE assets SET pdq_device_id = 'post-empty-${i}-' || id WHERE id BETWEEN $1 AND $2`, [500 + i * 10, 509 + i * 10]);
    await allMatchSql(await ticketsOf(500, 529, 10), 5_000);
  });

  it('a leader alive but silent (SIGSTOP): the other goes not fresh, ends its session and takes over within 2 s of noticing', async () => {
    const [leader, follower] = await leaderAndFollower();
    const before = await stats(follower);
    const stoppedAt = performance.now();
    leader.service.child.kill('SIGSTOP');
    try {
      const noticed = await eventually(async () => {
        const now = await stats(follower);
        expect(now.feed_leader_silences).toBe(before.feed_leader_silences + 1);
        return performance.now();
      }, 6_000);
      await eventually(async () => expect((await stats(follower)).feed_leader).toBe(true), 2_000);
      const tookOver = performance.now();
      await pair.db.pool.query(`UPDATE assets SET hostname = 'AFTER-SILENT-LEADER' WHERE id = 7`);
      const [ticket] = await ticketsOf(7, 7, 1);
      const expected = await sqlWidget(pair.db, ticket!);
      await eventually(async () => expect(await widget(follower, ticket!)).toEqual(expected), 3_000);
      await eventually(async () => expect((await stats(follower)).state).toBe('ready'), 3_000);
      expect((await stats(follower)).refreshes, 'no rebuild for a takeover').toBe(before.refreshes);
      console.log(
        `leader SIGSTOPped: silence noticed after ${Math.round(noticed - stoppedAt)} ms, lead taken ${Math.round(tookOver - noticed)} ms later`,
      );
    } finally {
      leader.service.child.kill('SIGCONT');
    }
    // The old leader, resumed, follows: it applies what it missed and does not lead.
    const [ticket] = await ticketsOf(7, 7, 1);
    const expected = await sqlWidget(pair.db, ticket!);
    await eventually(async () => expect(await widget(leader, ticket!)).toEqual(expected), 10_000);
    await eventually(async () => expect((await both()).map((s) => s.feed_leader).filter(Boolean)).toHaveLength(1), 5_000);
  });
});
