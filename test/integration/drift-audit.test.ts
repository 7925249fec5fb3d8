import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { AssetIndex } from '../../workers/asset-index';
import { readSnapshot } from '../../workers/snapshot-read';
import { ChangeApplier } from '../../workers/change-applier';
import { Directory } from '../../workers/directory';
import { DriftAudit } from '../../workers/drift-audit';
import type { CacheStats } from '../../src/cache/cache-client';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { eventually, sqlWidget, type WidgetBody } from '../helpers/service-pair';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { startTestService, type TestService } from '../helpers/test-service';

const CONTACTS = 6;

/** Contacts with a ticket and two assets each; returns ticket → contact and contact → asset ids. */
async function seed(db: TestDatabase) {
  const client = (await makeClient(db.pool)).id;
  const tickets = new Map<number, number>();
  const assets = new Map<number, number[]>();
  for (let i = 0; i < CONTACTS; i++) {
    const contact = (await makeContact(db.pool, client)).id;
    tickets.set((await makeTicket(db.pool, client, contact)).id, contact);
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date, created_at)
       SELECT 'AUDIT-' || g, $1, $2, '2024-01-01', '2027-06-30', now() - g * interval '1 day' FROM generate_series(1, 2) g RETURNING id`,
      [client, contact],
    );
    assets.set(contact, rows.map((r) => r.id));
  }
  return { client, tickets, assets };
}

/**
 * The worker's classes in-process against a real database, with no change feed at all: any change made in
 * SQL is one the cache never heard of, which is exactly the drift the audit exists to find.
 */
describe('DriftAudit: compares the cache with SQL, repairs what differs, resyncs what a re-read cannot repair', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let index: AssetIndex;
  let directory: Directory;
  let applier: ChangeApplier;
  let audit: DriftAudit;
  let data: Awaited<ReturnType<typeof seed>>;
  const distrusts: string[] = [];

  /** What AssetCache does on distrust: a full build swapped in over the overlay. */
  async function resync() {
    applier.discard();
    const assetEpoch = index.beginEpoch();
    const directoryEpoch = directory.beginEpoch();
    const built = await readSnapshot(db.url);
    index.rebase(built.assets, assetEpoch);
    directory.rebase(built.directory, directoryEpoch);
    applier.resynced();
  }

  /** The widget as the cache answers it (AssetCache.lookupTicket), parsed. */
  function cacheWidget(ticket: number): WidgetBody {
    const contact = directory.contactOfTicket(ticket);
    if (!contact) return { assets: [], contact_name: null, total_assets: 0 };
    const slice = index.widget(contact);
    return { assets: JSON.parse(slice.assetsJson), contact_name: JSON.parse(directory.nameJson(contact)!), total_assets: slice.total };
  }
  const ticketOf = (contact: number) => [...data.tickets].find(([, c]) => c === contact)![0];

  beforeAll(async () => {
    db = await createTestDatabase();
    data = await seed(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const built = await readSnapshot(db.url);
    index = new AssetIndex(built.assets);
    directory = new Directory(built.directory);
    const logger = createLogger('silent');
    applier = new ChangeApplier(pool, index, directory, logger);
    audit = new DriftAudit({
      pool,
      index,
      directory,
      applier,
      logger,
      perMinute: 0,
      settleMs: 100,
      isReady: () => true,
      onDistrust: (reason) => {
        distrusts.push(reason);
      },
    });
  });
  afterAll(async () => {
    applier?.close();
    await pool?.end();
    await db?.drop();
  });

  it('finds nothing on a cache that matches SQL, for every ticket and every contact', async () => {
    for (const [ticket, contact] of data.tickets) {
      expect(await audit.check('ticket', ticket)).toBe('ok');
      expect(await audit.check('contact', contact)).toBe('ok');
    }
    expect(await audit.check('ticket')).toBe('ok');
    expect({ checks: audit.checks, drift: audit.drift }).toEqual({ checks: 2 * CONTACTS + 1, drift: 0 });
  });

  it('finds a rename, a ticket moved to another contact and a contact rename the feed never delivered, and repairs each by re-reading', async () => {
    const [[ticket, contact], [, other]] = [...data.tickets] as [[number, number], [number, number]];
    const asset = data.assets.get(contact)![0]!;
    await db.pool.query(`UPDATE assets SET hostname = 'MISSED-RENAME' WHERE id = $1`, [asset]);
    expect(cacheWidget(ticket)).not.toEqual(await sqlWidget(db, ticket));
    expect(await audit.check('ticket', ticket)).toBe('drift');
    expect(cacheWidget(ticket)).toEqual(await sqlWidget(db, ticket));

    await db.pool.query('UPDATE tickets SET contact_id = $2 WHERE id = $1', [ticket, other]);
    expect(await audit.check('ticket', ticket)).toBe('drift');
    expect(cacheWidget(ticket)).toEqual(await sqlWidget(db, ticket));

    await db.pool.query(`UPDATE contacts SET name = 'Missed Rename' WHERE id = $1`, [other]);
    expect(await audit.check('contact', other)).toBe('drift');
    expect(cacheWidget(ticket)).toEqual(await sqlWidget(db, ticket));

    expect({ drift: audit.drift, repaired: audit.repaired }).toEqual({ drift: 3, repaired: 3 });
    expect(distrusts, 'the third drift within ten minutes asks for a resync').toEqual(['drift_repeated']);
    expect(audit.lastDriftAt).toBeGreaterThan(Date.now() - 10_000);
  });

  it('does not count a change still in flight: one that lands within the settle time is no drift', async () => {
    const before = audit.drift;
    const [contact, [asset]] = [...data.assets][2]! as [number, number[]];
    const { rows } = await db.pool.query<{ version: string }>(`UPDATE assets SET hostname = 'LATE-NOTIFY' WHERE id = $1 RETURNING version`, [asset]);
    setTimeout(() => applier.add('asset', asset!, Number(rows[0]!.version)), 30);
    expect(await audit.check('contact', contact)).toBe('ok');
    expect(audit.drift).toBe(before);
    expect(cacheWidget(ticketOf(contact)).assets.map((a) => a.hostname)).toContain('LATE-NOTIFY');
  });

  it('resyncs when drift injected into the index cannot be repaired by a re-read (the cache holds a version SQL never had)', async () => {
    distrusts.length = 0;
    const [contact, [asset]] = [...data.assets][3]! as [number, number[]];
    const held = index.byId(asset!)!;
    const forged = { ...JSON.parse(held.fragment), hostname: 'FORGED-IN-THE-INDEX' };
    index.apply({ kind: 'upsert', entry: { ...held, version: held.version + 1_000_000, fragment: JSON.stringify(forged) } });
    const ticket = ticketOf(contact);
    expect(cacheWidget(ticket).assets.map((a) => a.hostname)).toContain('FORGED-IN-THE-INDEX');

    expect(await audit.check('contact', contact)).toBe('drift');
    expect(distrusts).toEqual(['drift_unrepaired']);
    await resync();
    expect(cacheWidget(ticket)).toEqual(await sqlWidget(db, ticket));
    expect(await audit.check('contact', contact)).toBe('ok');
  });

  it('samples on its own at CACHE_AUDIT_PER_MINUTE and finds drift it was not pointed at', async () => {
    const [contact, [, asset]] = [...data.assets][4]! as [number, number[]];
    const sampler = new DriftAudit({
      pool,
      index,
      directory,
      applier,
      logger: createLogger('silent'),
      perMinute: 3_000,
      settleMs: 50,
      isReady: () => true,
      onDistrust: () => undefined,
    });
    await db.pool.query(`UPDATE assets SET hostname = 'FOUND-BY-SAMPLING', created_at = now() WHERE id = $1`, [asset]);
    sampler.start();
    try {
      await eventually(async () => expect(sampler.repaired).toBeGreaterThanOrEqual(1), 10_000);
    } finally {
      sampler.stop();
    }
    expect(sampler.checks).toBeGreaterThanOrEqual(1);
    expect(cacheWidget(ticketOf(contact))).toEqual(await sqlWidget(db, ticketOf(contact)));
  });
});

describe('the audit end to end: rows changed with the notify trigger disabled are found and repaired', () => {
  let t: TestService;
  let data: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    // Misses are made by disabling the notify trigger, so this runs the notify feed whatever the server allows.
    t = await startTestService({ CACHE_AUDIT_PER_MINUTE: '3000', CACHE_FEED: 'notify' }, async (db) => {
      data = await seed(db);
    });
  });
  afterAll(() => t?.stop());

  it('finds every missed change within 15 s, repairs it, and counts it in stats and /metrics', async () => {
    const stats = async (): Promise<CacheStats> => (await t.call('/api/assets/cache/stats', { token: t.techToken })).body;
    const before = await stats();
    expect(before.audit_per_minute).toBe(3_000);
    const [[ticket, contact]] = [...data.tickets] as [[number, number]];
    await t.db.pool.query('ALTER TABLE assets DISABLE TRIGGER assets_notify');
    try {
      await t.db.pool.query(`UPDATE assets SET hostname = 'SILENT-' || id WHERE contact_id = $1`, [contact]);
    } finally {
      await t.db.pool.query('ALTER TABLE assets ENABLE TRIGGER assets_notify');
    }
    const expected = await sqlWidget(t.db, ticket);
    expect(expected.assets.every((a) => a.hostname.startsWith('SILENT-'))).toBe(true);
    // Not seen by the cache: only the audit can bring it in.
    expect((await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).body).not.toEqual(expected);

    const started = performance.now();
    await eventually(async () => {
      expect(t.service.cache.state).toBe('ready');
      expect((await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).body).toEqual(expected);
    }, 15_000);
    console.info(`drift found and repaired ${Math.round(performance.now() - started)} ms after the silent update`);
    // Counted once the repair is verified, a settle time (1 s) after the re-read.
    const after = await eventually(async () => {
      const s = await stats();
      expect(s.drift_repaired - before.drift_repaired).toBeGreaterThanOrEqual(1);
      return s;
    }, 5_000);
    expect(after.drift - before.drift).toBeGreaterThanOrEqual(1);
    expect(after.audit_checks).toBeGreaterThan(before.audit_checks);
    expect(after.last_drift_at).not.toBeNull();
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/^asset_cache_drift_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^asset_cache_audit_checks_total [1-9]\d*$/m);
  });
});
