import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PRUNE_BATCHES_SQL } from '../../workers/sql/batches';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const RETENTION_SECONDS = 300;

describe("the WAL relay's batch retention (PRUNE_BATCHES_SQL)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.pool.query('TRUNCATE awc_feed_batches');
  });

  /** Batches `seq` published `ageSeconds` ago each. */
  const publish = (batches: Array<[seq: number, ageSeconds: number]>) =>
    db.pool.query(
      `INSERT INTO awc_feed_batches (seq, published_at, packed)
       SELECT seq, now() - make_interval(secs => age), '\\x00'::bytea FROM unnest($1::int8[], $2::int[]) AS b(seq, age)`,
      [batches.map(([seq]) => seq), batches.map(([, age]) => age)],
    );
  const prune = async () => {
    await db.pool.query(PRUNE_BATCHES_SQL, [RETENTION_SECONDS]);
    return (await db.pool.query<{ seq: string }>('SELECT seq::text FROM awc_feed_batches ORDER BY seq')).rows.map((r) => Number(r.seq));
  };

  it('removes the batches older than the retention and keeps every later one', async () => {
    await publish([[1, 900], [2, 700], [3, 301], [4, 299], [5, 10], [6, 0]]);
    expect(await prune()).toEqual([4, 5, 6]);
  });

  it('keeps the newest batch however old, so the next leader continues the numbering', async () => {
    await publish([[10, 900], [11, 800], [12, 700]]);
    expect(await prune()).toEqual([12]);
  });

  it('removes nothing when every batch is recent, and nothing from an empty table', async () => {
    await publish([[20, 5], [21, 1]]);
    expect(await prune()).toEqual([20, 21]);
    await db.pool.query('TRUNCATE awc_feed_batches');
    expect(await prune()).toEqual([]);
  });

  it('numbers from a new leader (the clock, after a crash emptied the table) are pruned by the same rule', async () => {
    const clockSeq = Date.now() * 1000;
    await publish([[clockSeq, 400], [clockSeq + 1, 350], [clockSeq + 2, 20]]);
    expect(await prune()).toEqual([clockSeq + 2]);
  });
});
