import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, sqlWidget, type PairInstance, type ServicePair } from '../helpers/service-pair';
import { useWalPair } from '../helpers/wal-pair';

const SEED = { contacts: 200, tickets: 300, assets: 1_000 };
/** Long enough for the relay to decode and publish the held commit if it would; short of a leader silence (3 s). */
const HOLD_MS = 600;

interface VisibilityStats {
  state: string;
  refreshes: number;
  feed_leader: boolean;
  feed_seq: number | null;
}

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

  it('a commit flushed but not yet visible (waiting for a synchronous standby) survives a build that cannot see it', async () => {
    const [a, b] = await eventually(async () => {
      const both = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(both.map((s) => s.state)).toEqual(['ready', 'ready']);
      expect(both.filter((s) => s.feed_leader)).toHaveLength(1);
      return both;
    }, 15_000);
    // Only the held writer waits for the (absent) synchronous standby; every other session commits locally.
    // A session reloads its settings after its next statement: the relay's runs every second.
    await reconfigure(`ALTER SYSTEM SET synchronous_commit = 'local'`);
    await sleep(2_500);
    const { rows } = await pair.db.pool.query<{ id: number; ticket: number }>(
      `SELECT a.id, t.id AS ticket FROM assets a JOIN tickets t ON t.contact_id = a.contact_id WHERE a.status = 'active' ORDER BY a.id LIMIT 1`,
    );
    const { id, ticket } = rows[0]!;
    const writer = new pg.Client(pair.db.url);
    await writer.connect();
    try {
      await reconfigure(`ALTER SYSTEM SET synchronous_standby_names = 'awc_absent_standby'`);
      await writer.query(`SET synchronous_commit = 'on'`);
      // Its commit record is flushed (so decoded), but it stays invisible until the standby names are reset.
      const held = writer.query(`UPDATE assets SET hostname = 'HELD-COMMIT' WHERE id = $1`, [id]).then(() => undefined, (err: Error) => err);
      await sleep(HOLD_MS);
      const during = await Promise.all([stats(pair.a), stats(pair.b)]);
      expect(during.map((s) => s.feed_seq), 'nothing published while the commit is invisible').toEqual([a!.feed_seq, b!.feed_seq]);
      // A build now reads a snapshot without the held update.
      const refresh = await pair.a.call('/api/assets/cache/refresh', { method: 'POST', token: pair.adminToken });
      expect(refresh.status).toBe(200);
      await reconfigure('ALTER SYSTEM RESET synchronous_standby_names');
      expect(await held).toBeUndefined();
    } finally {
      await pair.db.pool.query('ALTER SYSTEM RESET synchronous_standby_names');
      await pair.db.pool.query('ALTER SYSTEM RESET synchronous_commit');
      await pair.db.pool.query('SELECT pg_reload_conf()');
      await writer.end();
    }
    const expected = await sqlWidget(pair.db, ticket);
    expect(JSON.stringify(expected)).toContain('HELD-COMMIT');
    for (const instance of [pair.a, pair.b]) {
      await eventually(async () => expect(await wal().widget(instance, ticket), `ticket ${ticket} on ${instance.url}`).toEqual(expected), 3_000);
    }
    expect((await stats(pair.a)).refreshes).toBe(a!.refreshes + 1);
  });
});
