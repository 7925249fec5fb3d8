import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { freePort } from './helpers/free-port';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    runId: string;
  }
}

/** Finds or starts PostgreSQL once per run and builds the migrated template every test database is cloned from. */
export default async function setup(project: TestProject) {
  const logger = pino({ level: 'warn' });
  let serverUrl = process.env.DATABASE_URL;
  let stopServer: (() => Promise<void>) | undefined;
  let tempDir: string | undefined;
  if (!serverUrl) {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-test-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir: tempDir, port: await freePort(), logger });
    serverUrl = embedded.url;
    stopServer = embedded.stop;
  }

  const runId = `awc_${crypto.randomBytes(4).toString('hex')}`;
  const templateDatabase = `${runId}_template`;
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const url = new URL(serverUrl);
  url.pathname = `/${templateDatabase}`;
  const templateClient = new pg.Client(url.toString());
  await templateClient.connect();
  await migrate(templateClient, logger);
  await templateClient.end();

  project.provide('databaseUrl', serverUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${runId}\\_%`],
    );
    for (const { datname } of rows) {
      await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [datname]);
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.end();
    await stopServer?.();
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
  };
}
