import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** Connection URL of this test file's own, freshly migrated database. */
  url: string;
  name: string;
  /** A small pool for assertions and fixtures; closed by `drop`. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A server and the migrated template database on it that test databases are cloned from. */
export interface TestServer {
  url: string;
  template: string;
}

/**
 * Clones a migrated template into a new database, so a test file starts from an empty schema: the run's
 * server by default, or another (test/helpers/logical-server.ts).
 */
export async function createTestDatabase(server: TestServer = { url: inject('databaseUrl'), template: inject('templateDatabase') }): Promise<TestDatabase> {
  const serverUrl = server.url;
  const name = `${inject('runId')}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${server.template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // Fault tests terminate every connection of the database, this pool's idle ones included.
  pool.on('error', () => undefined);
  return {
    url,
    name,
    pool,
    drop: async () => {
      await pool.end();
      const client = new pg.Client(serverUrl);
      await client.connect();
      // A database with a replication slot cannot be dropped (the WAL feed leaves its slot, by design).
      await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [name]);
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
