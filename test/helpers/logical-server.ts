import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { freePort } from './free-port';
import type { TestServer } from './test-database';

/**
 * A server with logical decoding for the WAL-feed tests: the run's own server when it has wal_level=logical
 * (the embedded one always does), else an embedded PostgreSQL started for this test file, with its own
 * migrated template (the shared server, e.g. DATABASE_URL's with wal_level=replica, is never reconfigured).
 * `own`: always a server of this file's own, which the file may reconfigure (ALTER SYSTEM).
 */
export async function logicalServer(own = false): Promise<TestServer & { stop(): Promise<void> }> {
  const url = inject('databaseUrl');
  const probe = new pg.Client(url);
  await probe.connect();
  const { rows } = await probe.query<{ wal_level: string }>(`SELECT current_setting('wal_level') AS wal_level`);
  await probe.end();
  if (!own && rows[0]!.wal_level === 'logical') return { url, template: inject('templateDatabase'), stop: async () => undefined };

  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-test-logical-'));
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: pino({ level: 'warn' }) });
  const template = `${inject('runId')}_logical_template`;
  const admin = new pg.Client(embedded.url);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const templateUrl = new URL(embedded.url);
  templateUrl.pathname = `/${template}`;
  const client = new pg.Client(templateUrl.toString());
  await client.connect();
  await migrate(client, pino({ level: 'warn' }));
  await client.end();
  return {
    url: embedded.url,
    template,
    stop: async () => {
      await embedded.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
