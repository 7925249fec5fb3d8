import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheWorkerOptions } from '../../src/cache/protocol';
import { projectPath } from '../../src/paths';
import { chooseFeedMode, setNotifyTriggers } from '../../workers/feed-mode';
import { ensureSlot, slotName } from '../../workers/wal-slot';
import { logicalServer } from '../helpers/logical-server';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const execFileAsync = promisify(execFile);
const ROLE = `awc_norepl_${process.pid}`;

/** Log lines a pino logger wrote, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const options = (databaseUrl: string, feedMode: CacheWorkerOptions['feedMode']) => ({ databaseUrl, feedMode }) as CacheWorkerOptions;

const disabledTriggers = async (db: TestDatabase) =>
  Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE '%\\_notify%' AND tgenabled = 'D'`)).rows[0]!.n);

describe('where logical decoding is not available: auto falls back to the notify triggers, wal refuses', () => {
  let db: TestDatabase;
  let roleUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD 'norepl' NOREPLICATION NOSUPERUSER`);
    const url = new URL(db.url);
    url.username = ROLE;
    url.password = 'norepl';
    roleUrl = url.toString();
  });
  afterAll(async () => {
    await db.drop();
    const admin = new pg.Client(new URL(db.url).toString().replace(`/${db.name}`, '/postgres'));
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  });

  it('auto without REPLICATION (or without wal_level=logical) says so in one feed.mode line and runs the notify feed', async () => {
    const { logger, lines } = capture();
    expect(await chooseFeedMode(options(roleUrl, 'auto'), logger)).toBe('notify');
    const modeLines = lines.filter((l) => l.event === 'feed.mode');
    expect(modeLines).toHaveLength(1);
    expect(modeLines[0]!.reason).toMatch(/wal_level is replica|neither REPLICATION nor superuser/);
  });

  it('CACHE_FEED=wal refuses to start there', async () => {
    await expect(chooseFeedMode(options(roleUrl, 'wal'), capture().logger)).rejects.toThrow(/logical decoding is not available/);
  });

  it('notify mode enables the triggers a WAL leader had disabled', async () => {
    const client = await db.pool.connect();
    try {
      await setNotifyTriggers(client, false);
    } finally {
      client.release();
    }
    expect(await disabledTriggers(db)).toBe(5);
    expect(await chooseFeedMode(options(db.url, 'notify'), capture().logger)).toBe('notify');
    expect(await disabledTriggers(db)).toBe(0);
  });
});

describe('npm run feed:uninstall', () => {
  let server: Awaited<ReturnType<typeof logicalServer>>;
  let db: TestDatabase;
  beforeAll(async () => {
    server = await logicalServer();
    db = await createTestDatabase(server);
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
    await server?.stop();
  });

  it('drops the database slot and enables the notify triggers again', async () => {
    const client = await db.pool.connect();
    try {
      expect(await ensureSlot(client, slotName(db.name))).toBe('created');
      await setNotifyTriggers(client, false);
    } finally {
      client.release();
    }
    const { stdout } = await execFileAsync(process.execPath, [projectPath('dist', 'src', 'cli', 'feed-uninstall.js')], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    });
    expect(JSON.parse(stdout)).toEqual({ slot: slotName(db.name), dropped: true, notify_triggers: 'enabled' });
    expect((await db.pool.query('SELECT 1 FROM pg_replication_slots WHERE database = current_database()')).rowCount).toBe(0);
    expect(await disabledTriggers(db)).toBe(0);
  });
});
