import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { AssetIndex } from '../../workers/asset-index';
import { ChangeApplier } from '../../workers/change-applier';
import { Directory, DirectoryBuilder } from '../../workers/directory';
import { SnapshotBuilder } from '../../workers/snapshot';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { eventually } from '../helpers/service-pair';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

/** A real pool whose next `failures` queries fail, and whose queries can be held back; it records every re-read's ids. */
class FaultyPool extends pg.Pool {
  reads: number[][] = [];
  failures = 0;
  delayMs = 0;
  override query(...args: unknown[]): never {
    const config = args[0] as { values?: unknown[] } | string;
    const values = typeof config === 'object' ? config.values : (args[1] as unknown[]);
    this.reads.push([...(values![0] as number[])]);
    const run = async () => {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failures > 0) {
        this.failures--;
        throw new Error('connection terminated (injected)');
      }
      return (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    return run() as never;
  }
}

describe('ChangeApplier: a failed re-read is retried, never dropped; what waits too long stalls the applier', () => {
  let db: TestDatabase;
  let pool: FaultyPool;
  let index: AssetIndex;
  let directory: Directory;
  let owner: { client: number; contact: number };
  const appliers: ChangeApplier[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new FaultyPool({ connectionString: db.url, max: 2 });
    const client = (await makeClient(db.pool)).id;
    owner = { client, contact: (await makeContact(db.pool, client)).id };
  });
  beforeEach(() => {
    index = new AssetIndex(new SnapshotBuilder().finish());
    directory = new Directory(new DirectoryBuilder().finish());
    pool.reads = [];
    pool.failures = 0;
    pool.delayMs = 0;
  });
  afterAll(async () => {
    for (const applier of appliers) applier.close();
    await pool?.end();
    await db?.drop();
  });

  const applierWith = (options: ConstructorParameters<typeof ChangeApplier>[4] = {}) => {
    const applier = new ChangeApplier(pool, index, directory, createLogger('silent'), options);
    appliers.push(applier);
    return applier;
  };
  async function insertAsset(hostname: string) {
    const { rows } = await db.pool.query<{ id: number; version: string }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ($1, $2, $3, '2024-01-01') RETURNING id, version`,
      [hostname, owner.client, owner.contact],
    );
    return { id: rows[0]!.id, version: Number(rows[0]!.version) };
  }

  it('retries a failed re-read with the same ids merged with the ones noted meanwhile, and applies them all', async () => {
    const applier = applierWith();
    const first = await insertAsset('RETRIED-1');
    const second = await insertAsset('RETRIED-2');
    pool.failures = 2;
    applier.add('asset', first.id, first.version);
    await eventually(async () => expect(pool.reads.length).toBe(1));
    applier.add('asset', second.id, second.version);
    await eventually(async () => expect(index.byId(second.id)?.fragment).toContain('RETRIED-2'));
    expect(index.byId(first.id)?.fragment).toContain('RETRIED-1');
    const sorted = pool.reads.map((ids) => [...ids].sort((a, b) => a - b));
    expect(sorted).toEqual([[first.id], [first.id, second.id], [first.id, second.id]]);
    expect({ failures: applier.failures, stalls: applier.stalls, pending: applier.pendingCount, age: applier.pendingAgeMs }).toEqual({
      failures: 2,
      stalls: 0,
      pending: 0,
      age: 0,
    });
  });

  it('keeps a ticket and a contact through failures too, and applies only what a failed batch had not applied yet', async () => {
    const applier = applierWith();
    const asset = await insertAsset('BEFORE-TICKET');
    const ticket = (await makeTicket(db.pool, owner.client, owner.contact)).id;
    applier.add('asset', asset.id, asset.version);
    await eventually(async () => expect(index.byId(asset.id)).toBeDefined());
    pool.reads = [];
    const renamed = await db.pool.query<{ version: string }>(`UPDATE assets SET hostname = 'AFTER-TICKET' WHERE id = $1 RETURNING version`, [asset.id]);
    pool.failures = 1;
    applier.add('asset', asset.id, Number(renamed.rows[0]!.version));
    applier.add('ticket', ticket);
    applier.add('contact', owner.contact);
    await eventually(async () => {
      expect(directory.contactOfTicket(ticket)).toBe(owner.contact);
      expect(directory.nameJson(owner.contact)).toBeDefined();
    });
    expect(index.byId(asset.id)?.fragment).toContain('AFTER-TICKET');
    // The asset read failed first; then asset, ticket and contact went out once each.
    expect(pool.reads).toEqual([[asset.id], [asset.id], [ticket], [owner.contact]]);
  });

  it('stalls once a change has waited retryMs, reports its age until resynced, and a discarded read applies nothing', async () => {
    const stalls: number[] = [];
    const applier = applierWith({ retryMs: 300, onStall: () => stalls.push(Date.now()) });
    const ticket = (await makeTicket(db.pool, owner.client, owner.contact)).id;
    pool.failures = 1_000;
    const noted = Date.now();
    applier.add('ticket', ticket);
    await eventually(async () => expect(applier.failures).toBeGreaterThanOrEqual(2));
    expect(applier.pendingCount).toBe(1);
    expect(applier.pendingAgeMs).toBeGreaterThan(0);
    await eventually(async () => expect(stalls).toHaveLength(1), 2_000);
    expect(stalls[0]! - noted).toBeGreaterThanOrEqual(295);
    expect(applier.stalls).toBe(1);

    // The cache answers a stall by discarding (it resyncs); the dropped change's age keeps counting until then.
    applier.discard();
    expect(applier.pendingCount).toBe(0);
    expect(applier.pendingAgeMs).toBeGreaterThanOrEqual(300);
    applier.resynced();
    expect(applier.pendingAgeMs).toBe(0);

    // A read still in flight when its batch is discarded must not land: a resync read newer data meanwhile.
    pool.failures = 0;
    pool.delayMs = 150;
    applier.add('ticket', ticket);
    await eventually(async () => expect(pool.reads.at(-1)).toEqual([ticket]));
    applier.discard();
    applier.resynced();
    await new Promise((r) => setTimeout(r, 300));
    expect(directory.contactOfTicket(ticket)).toBeUndefined();
    expect(stalls).toHaveLength(1);
  });
});
