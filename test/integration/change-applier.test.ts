import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAssetWrite } from '../../src/services/asset-write';
import { assetsRepository } from '../../src/db/repositories/assets';
import { createLogger } from '../../src/logger';
import { AssetIndex } from '../../workers/asset-index';
import { toIndexChange } from '../../workers/index-change';
import { ChangeApplier } from '../../workers/change-applier';
import type { FeedRow } from '../../workers/feed-rows';
import { Directory, DirectoryBuilder } from '../../workers/directory';
import { SnapshotBuilder } from '../../workers/snapshot';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { eventually } from '../helpers/service-pair';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/** A real pool that remembers the ids of every asset re-read it was asked for. */
class RecordingPool extends pg.Pool {
  assetReads: number[][] = [];
  override query(...args: unknown[]): never {
    const config = args[0] as { text?: string; values?: unknown[] };
    if (typeof config === 'object' && config.text?.includes('FROM assets')) this.assetReads.push([...(config.values![0] as number[])]);
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

describe('ChangeApplier: re-reads what changed, and only what the cache does not hold yet', () => {
  let db: TestDatabase;
  let pool: RecordingPool;
  let index: AssetIndex;
  let applier: ChangeApplier;
  let owner: { client: number; contact: number };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new RecordingPool({ connectionString: db.url, max: 2 });
    index = new AssetIndex(new SnapshotBuilder().finish());
    applier = new ChangeApplier(pool, index, new Directory(new DirectoryBuilder().finish()), createLogger('silent'));
    const client = (await makeClient(db.pool)).id;
    owner = { client, contact: (await makeContact(db.pool, client)).id };
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function insertAsset(hostname: string) {
    const values = assetBody(owner.client, owner.contact, { hostname });
    return (await assetsRepository.insert(db.pool, values as Parameters<typeof assetsRepository.insert>[1]))!;
  }
  const hostnames = () => JSON.parse(index.widget(owner.contact, 10).assetsJson).map((a: { hostname: string }) => a.hostname);

  it('keeps retrying a change whose re-read still shows an older version than notified (a commit not visible yet)', async () => {
    const asset = await insertAsset('BEFORE-VISIBLE');
    const failuresBefore = applier.failures;
    // Notified at a version the row does not show yet: the WAL relay may publish before the commit is visible.
    const { rows } = await db.pool.query<{ v: string }>(`SELECT last_value + 1 AS v FROM asset_version_seq`);
    applier.add('asset', asset.id, Number(rows[0]!.v));
    await eventually(async () => expect(applier.failures).toBeGreaterThan(failuresBefore));
    expect(applier.pendingCount, 'still pending, not taken as applied').toBe(1);
    await db.pool.query(`UPDATE assets SET hostname = 'NOW-VISIBLE' WHERE id = $1`, [asset.id]);
    await eventually(async () => expect(hostnames()).toContain('NOW-VISIBLE'));
    await eventually(async () => expect(applier.pendingCount).toBe(0));
  });

  it('skips a notification for a version the writer already applied, in the same drain that reads a new row', async () => {
    const own = await insertAsset('OWN-WRITE');
    // The instance that made the write applies it before answering; its own notification then follows.
    index.apply(toIndexChange(toAssetWrite(own)));
    const foreign = await insertAsset('OTHER-WRITER');
    pool.assetReads = [];
    applier.add('asset', own.id, Number(own.version));
    applier.add('asset', foreign.id, Number(foreign.version));
    await eventually(async () => expect(hostnames()).toContain('OTHER-WRITER'));
    expect(pool.assetReads).toEqual([[foreign.id]]);
    expect(hostnames()).toContain('OWN-WRITE');
  });

  it('skips it too when the notification came first and the write is applied before the re-read goes out', async () => {
    const own = await insertAsset('OWN-LATE');
    const foreign = await insertAsset('OTHER-LATE');
    pool.assetReads = [];
    applier.add('asset', own.id, Number(own.version));
    index.apply(toIndexChange(toAssetWrite(own)));
    applier.add('asset', foreign.id, Number(foreign.version));
    await eventually(async () => expect(hostnames()).toContain('OTHER-LATE'));
    expect(pool.assetReads).toEqual([[foreign.id]]);
  });

  it('re-reads a row notified with a newer version than the one held', async () => {
    const asset = await insertAsset('BEFORE');
    index.apply(toIndexChange(toAssetWrite(asset)));
    const { rows } = await db.pool.query<{ version: string }>(`UPDATE assets SET hostname = 'AFTER' WHERE id = $1 RETURNING version`, [asset.id]);
    pool.assetReads = [];
    applier.add('asset', asset.id, Number(rows[0]!.version));
    await eventually(async () => expect(hostnames()).toContain('AFTER'));
    expect(hostnames()).not.toContain('BEFORE');
    expect(pool.assetReads).toEqual([[asset.id]]);
  });

  it('always re-reads a delete (it carries the version the cache already holds) and drops the row', async () => {
    const asset = await insertAsset('DELETED-IN-SQL');
    index.apply(toIndexChange(toAssetWrite(asset)));
    await db.pool.query('DELETE FROM assets WHERE id = $1', [asset.id]);
    pool.assetReads = [];
    applier.add('asset', asset.id);
    await eventually(async () => expect(hostnames()).not.toContain('DELETED-IN-SQL'));
    expect(pool.assetReads).toEqual([[asset.id]]);
  });

  it('a ticket or contact re-read does not overwrite a WAL relay row applied while its query was out', async () => {
    const directory = new Directory(new DirectoryBuilder().finish());
    const reader = new ChangeApplier(pool, index, directory, createLogger('silent'));
    const other = (await makeContact(db.pool, owner.client)).id;
    const ticket = (await makeTicket(db.pool, owner.client, owner.contact)).id;
    // The row the relay sends is of a commit the re-read's snapshot did not see: SQL keeps the older value here.
    const whileOut = async (kind: 'ticket' | 'contact', id: number, row: FeedRow) => {
      reader.add(kind, id);
      // The drain's query goes out in the first setImmediate; the relay row lands before its answer.
      await new Promise((r) => setImmediate(r));
      expect(reader.pendingCount, 'the re-read is in flight').toBe(1);
      reader.applyRows([row]);
      await eventually(async () => expect(reader.pendingCount).toBe(0));
    };
    await whileOut('ticket', ticket, ['t', ticket, other]);
    expect(directory.contactOfTicket(ticket)).toBe(other);
    await whileOut('contact', other, ['c', other, '"Renamed by the relay"']);
    expect(directory.nameJson(other)).toBe('"Renamed by the relay"');
    // A re-read that starts after the relay row is applied as read.
    reader.add('ticket', ticket);
    await eventually(async () => expect(directory.contactOfTicket(ticket)).toBe(owner.contact));
    reader.close();
  });
});
