import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectPath } from '../../src/paths';
import { migrate } from '../../src/db/migrate';
// For its side effect: the DATE type parser the service registers.
import '../../src/db/pool';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
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

  it("the WAL feed's publication never refuses a writer: with REPLICA IDENTITY FULL set by another tool, rows of every published table update and delete", async () => {
    const client = await makeClient(db.pool);
    const contact = await makeContact(db.pool, client.id);
    const ticket = await makeTicket(db.pool, client.id, contact.id);
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ('pc-identity', $1, $2, '2024-02-29') RETURNING id`,
      [client.id, contact.id],
    );
    const tables = ['assets', 'tickets', 'contacts'];
    for (const table of tables) await db.pool.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    try {
      await db.pool.query(`UPDATE assets SET hostname = 'pc-identity-2' WHERE id = $1`, [rows[0]!.id]);
      await db.pool.query(`UPDATE contacts SET name = name || '-2' WHERE id = $1`, [contact.id]);
      await db.pool.query('DELETE FROM assets WHERE id = $1', [rows[0]!.id]);
      await db.pool.query('DELETE FROM tickets WHERE id = $1', [ticket.id]);
      await db.pool.query('DELETE FROM contacts WHERE id = $1', [contact.id]);
    } finally {
      for (const table of tables) await db.pool.query(`ALTER TABLE ${table} REPLICA IDENTITY DEFAULT`);
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

  it('npm run db:migrate on a new database reports every migration it applied, then none', async () => {
    const name = `${inject('runId')}_empty_${process.pid}`;
    const admin = new pg.Client(inject('databaseUrl'));
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    const run = async () => {
      const { stdout } = await promisify(execFile)('node', [projectPath('dist', 'src', 'cli', 'migrate.js')], {
        env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      });
      return JSON.parse(stdout) as { migrations: number; applied_now: string[] };
    };
    try {
      const first = await run();
      expect(first.applied_now.length).toBe(first.migrations);
      expect(first.applied_now[0]).toMatch(/^001-/);
      expect((await run()).applied_now).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
