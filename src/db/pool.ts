import pg from 'pg';
import { safeError, type Logger } from '../logger';

// DATE travels as the 'YYYY-MM-DD' text PostgreSQL sends: a JS Date would shift it by the local time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// BIGINT (row versions) stays exact as a string; ids are INTEGER and parse as numbers already.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export interface PoolOptions {
  connectionString: string;
  max: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName: string;
}

/** The one place a `pg.Pool` is made: timeouts bound every query, and idle-client errors are logged, not fatal. */
export function createPool(options: PoolOptions, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  });
  pool.on('error', (err) => logger.warn({ err: safeError(err), event: 'db.idle_client_error' }, 'idle database client failed'));
  return pool;
}

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Runs `work` in one transaction on one checked-out client. The client is always released; a client whose
 * rollback failed is destroyed instead of going back to the pool in an unknown state.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** One round trip to the server: readiness asks it whether the database answers. */
export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
