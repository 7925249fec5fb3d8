import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
// For its side effect: the DATE type parser the service registers.
import '../../src/db/pool';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('is idempotent: a second run on a migrated database applies nothing', async () => {
    const client = await db.pool.connect();
    try {
      const result = await migrate(client, pino({ level: 'silent' }));
      expect(result.applied).toEqual([]);
      expect(result.total).toBeGreaterThan(0);
    } finally {
      client.release();
    }
  });

  it('returns DATE columns as YYYY-MM-DD text and bumps the version on every update', async () => {
    const { rows: [client] } = await db.pool.query(`INSERT INTO clients (name) VALUES ('Acme') RETURNING id`);
    const { rows: [asset] } = await db.pool.query(
      `INSERT INTO assets (hostname, client_id, in_service_date) VALUES ('pc-1', $1, '2024-02-29') RETURNING *`,
      [client.id],
    );
    expect(asset.in_service_date).toBe('2024-02-29');
    const { rows: [updated] } = await db.pool.query(
      `UPDATE assets SET status = 'retired' WHERE id = $1 RETURNING version, retired_at`,
      [asset.id],
    );
    expect(BigInt(updated.version)).toBeGreaterThan(BigInt(asset.version));
    expect(updated.retired_at).not.toBeNull();
  });
});
