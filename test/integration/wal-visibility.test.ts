import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, sqlWidget, type PairInstance, type ServicePair } from '../helpers/service-pair';
import { useWalPair } from '../helpers/wal-pair';
import type { WorkerStats } from '../../src/cache/protocol';

const SEED = { contacts: 200, tickets: 300, assets: 1_000 };
/** Long enough for the relay to decode and publish the held commit if it would; short of a leader silence (3 s). */
const HOLD_MS = 600;
/** Past the followers' leader-silence timeout (3 s). */
const LONG_HOLD_MS = 4_500;

type VisibilityStats = Pick<WorkerStats, 'state' | 'refreshes' | 'feed_leader' | 'feed_seq' | 'feed_leader_silences'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the WAL relay publishes a transaction only once other sessions can see it', () => {
  // ALTER SYSTEM below: on a server of this file's own.
  const wal = useWalPair(SEED, true);
  let pair: ServicePair;
  beforeAll(() => {
    pair = wal().pair;
  });

  const stats = (instance: PairInstance) => wal().stats<VisibilityStats>(instance);
  const reconfigure = async (sql: string) => {
    await pair.db.pool.query(sql);
    await pair.db.pool.query('SELECT pg_reload_conf()');
  };

  const readyPair = () =>
    eventually(async () => {
      const both = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(both.map((s) => s.state)).toEqual(['ready', 'ready']);
      expect(both.filter((s) => s.feed_leader)).toHaveLength(1);
      return both;
    }, 15_000);
  const firstAsset = async () =>
    (
      await pair.db.pool.query<{ id: number; ticket: number }>(
        `SELECT a.id, t.id AS ticket FROM assets a JOIN tickets t ON t.contact_id = a.contact_id WHERE a.status = 'active' ORDER BY a.id LIMIT 1`,
      )
    ).rows[0]!;

  /** Sets `hostname` of asset `id` in a commit that is flushed (so decoded) but invisible while `whileHeld` runs. */
  const withHeldCommit = async (id: number, hostname: string, holdMs: number, whileHeld: (before: VisibilityStats[]) => Promise<void>) => {
    // Only the held writer waits for the (absent) synchronous standby; every other session commits locally.
    // A session reloads its settings after its next statement: the relay's runs every second.
    await reconfigure(`ALTER SYSTEM SET synchronous_commit = 'local'`);
    await sleep(2_500);
    const writer = new pg.Client(pair.db.url);
    await writer.connect();
    try {
      await reconfigure(`ALTER SYSTEM SET synchronous_standby_names = 'awc_absent_standby'`);
      await writer.query(`SET synchronous_commit = 'on'`);
      // Taken last: anything published before the held write (a late batch of the start) is not its doing.
      const before = await Promise.all([stats(pair.a), stats(pair.b)]);
      const held = writer.query(`UPDATE assets SET hostname = $2 WHERE id = $1`, [id, hostname]).then(() => undefined, (err: Error) => err);
      await sleep(holdMs);
      await whileHeld(before);
      await reconfigure('ALTER SYSTEM RESET synchronous_standby_names');
      expect(await held).toBeUndefined();
    } finally {
      await pair.db.pool.query('ALTER SYSTEM RESET synchronous_standby_names');
      await pair.db.pool.query('ALTER SYSTEM RESET synchronous_commit');
      await pair.db.pool.query('SELECT pg_reload_conf()');
      await writer.end();
    }
  };

  it('a commit flushed but not yet visible (waiting for a synchronous standby) survives a build that cannot see it', async () => {
    await readyPair();
    const { id, ticket } = await firstAsset();
    let refreshesBefore = 0;
    await withHeldCommit(id, 'HELD-COMMIT', HOLD_MS, async (before) => {
      refreshesBefore = before[0]!.refreshes;
      const during = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(during.map((s) => s.feed_seq), 'nothing published while the commit is invisible').toEqual(before.map((s) => s.feed_seq));
      // A build now reads a snapshot without the held update.
      const refresh = await pair.a.call('/api/assets/cache/refresh', { method: 'POST', token: pair.adminToken });
      expect(refresh.status).toBe(200);
    });
    const expected = await sqlWidget(pair.db, ticket);
    expect(JSON.stringify(expected)).toContain('HELD-COMMIT');
    for (const instance of [pair.a, pair.b]) {
      await eventually(async () => expect(await wal().widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), 3_000);
    }
    expect((await stats(pair.a)).refreshes).toBe(refreshesBefore + 1);
  });

  it('a leader waiting longer than the silence timeout for a commit to become visible keeps its heartbeat: no takeover', async () => {
    await readyPair();
    const { id, ticket } = await firstAsset();
    await withHeldCommit(id, 'HELD-LONG', LONG_HOLD_MS, async (before) => {
      const during = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(during.map((s) => s.feed_leader_silences), 'no instance took the waiting leader for silent').toEqual(before.map((s) => s.feed_leader_silences));
      expect(during.map((s) => s.feed_leader)).toEqual(before.map((s) => s.feed_leader));
    });
    const expected = await sqlWidget(pair.db, ticket);
    for (const instance of [pair.a, pair.b]) {
      await eventually(async () => expect(await wal().widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), 3_000);
    }
  });
});
