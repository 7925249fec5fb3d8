import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FeedFollower } from '../../workers/feed-follower';
import type { FeedRow } from '../../workers/feed-rows';
import { packRows } from '../../workers/packed-rows';
import { eventually } from '../helpers/service-pair';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/**
 * The follower's side of the leader's own batches (feed-follower.ts `publishing`/`published`), against the
 * real batch table: a notification of the batch this instance is publishing is not read back, and when the
 * publish fails after its commit (the relay's connection killed before the result came back) what was
 * announced is read, never left behind.
 */
describe("the feed follower and the leader's own batches", () => {
  let db: TestDatabase;
  let follower: FeedFollower;
  const applied: FeedRow[][] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());
  afterEach(() => follower.stop());

  const start = async () => {
    applied.length = 0;
    await db.pool.query('TRUNCATE awc_feed_batches');
    await insert(1, [['ad', 1]]);
    follower = new FeedFollower(db.pool, pino({ level: 'silent' }), {
      rows: (rows) => applied.push(rows),
      resync: () => applied.push([['rs']]),
      silence: () => undefined,
      takeOver: () => undefined,
    });
    await follower.start();
  };
  const insert = async (seq: number, rows: FeedRow[]) =>
    db.pool.query('INSERT INTO awc_feed_batches (seq, packed) VALUES ($1, $2)', [seq, await packRows(rows)]);
  const settle = () => new Promise((r) => setTimeout(r, 200));
  /** This instance's relay publishes batch `seq`, and its notification arrives before the relay's statement returns. */
  const ownBatchAnnounced = async (seq: number, rows: FeedRow[]) => {
    follower.publishing(seq);
    await insert(seq, rows);
    follower.heard(seq, true);
    await settle();
  };

  it('its own batch announced before its statement returned: not read back, applied from memory', async () => {
    await start();
    await ownBatchAnnounced(2, [['ad', 2]]);
    expect(follower.counts.batchesRead, 'not read back').toBe(0);
    follower.published(2, [['ad', 2]]);
    expect(applied).toEqual([[['ad', 2]]]);
    expect(follower.seq).toBe(2);
  });

  it('its publish failed after the commit (connection killed): the announced batch is read and applied', async () => {
    await start();
    await ownBatchAnnounced(2, [['ad', 22]]);
    expect(applied).toEqual([]);
    follower.publishing(undefined);
    await eventually(async () => expect(applied).toEqual([[['ad', 22]]]), 2_000);
    expect(follower.counts.batchesRead).toBe(1);
    expect(follower.seq).toBe(2);
  });

  it("another leader's batch with the same number, after this one lost the lead: read, not waited for", async () => {
    await start();
    follower.publishing(2);
    follower.publishing(undefined);
    await insert(2, [['ad', 33]]);
    follower.heard(2, true);
    await eventually(async () => expect(applied).toEqual([[['ad', 33]]]), 2_000);
  });
});
