import type pg from 'pg';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import type { Logger } from '../logger';

/** The service's one pool on the resolved database, bounded by the PG_* settings. */
export function openPool(config: Config, databaseUrl: string, logger: Logger): pg.Pool {
  return createPool(
    {
      connectionString: databaseUrl,
      max: config.PG_POOL_MAX,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
      applicationName: 'asset-widget-cache',
    },
    logger.child({ component: 'db' }),
  );
}

/** Brings the schema up to date on one client of the pool (several instances starting together take turns). */
export async function migrateDatabase(pool: pg.Pool, logger: Logger): Promise<void> {
  const client = await pool.connect();
  try {
    await migrate(client, logger.child({ component: 'migrate' }));
  } finally {
    client.release();
  }
}
