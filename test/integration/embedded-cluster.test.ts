import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { freePort } from '../helpers/free-port';

describe('embedded PostgreSQL cluster', () => {
  let dataDir = '';
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a cluster whose password file is gone, naming the file, and keeps the cluster', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-embedded-'));
    const start = () => startEmbeddedPostgres({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
    const first = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: pino({ level: 'silent' }) });
    await first.stop();
    const clusterFiles = async () => (await fs.readdir(dataDir, { recursive: true })).filter((f) => f.endsWith('PG_VERSION')).length;
    const before = await clusterFiles();
    expect(before).toBeGreaterThan(0);
    await fs.rm(path.join(dataDir, 'pg-password'));

    await expect(start()).rejects.toThrow(/has no password file .*pg-password.*restore the file, or delete the cluster folder/);
    expect(await clusterFiles()).toBe(before);
  });
});
