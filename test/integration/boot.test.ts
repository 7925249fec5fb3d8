import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService } from '../../src/service';
import { eventually } from '../helpers/service-pair';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

describe('the boot sequence', () => {
  let db: TestDatabase;
  let blocker: http.Server;
  beforeAll(async () => {
    db = await createTestDatabase();
    blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await db.drop();
  });

  /** The service's connections to this database: its pool, the cache worker's and the credential feed's. */
  const serviceConnections = async () =>
    (
      await db.pool.query<{ application_name: string }>(
        `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name <> '' ORDER BY 1`,
      )
    ).rows.map((r) => r.application_name);

  it('stops what it started when its last step fails: no connection of the service is left on the database', async () => {
    const { port } = blocker.address() as AddressInfo;
    const config = loadConfig({ DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', AUTH_CACHE_TTL: '30' });
    await expect(startService(config, createLogger(config.LOG_LEVEL))).rejects.toThrow(/EADDRINUSE/);
    await eventually(async () => expect(await serviceConnections()).toEqual([]), 5_000);
  });
});
