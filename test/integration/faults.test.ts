import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { createUserWithToken } from '../../src/services/auth-service';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

describe('faults under traffic: killed connections, pool exhaustion, client hang-ups', () => {
  let db: TestDatabase;
  let service: RunningService;
  let token: string;
  let ticket: number;
  let assetId: number;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    token = (await createUserWithToken(db.pool, { email: 'faults@test.local', role: 'admin' })).token;
    const client = (await makeClient(db.pool)).id;
    const contact = await makeContact(db.pool, client);
    ticket = (await makeTicket(db.pool, client, contact.id)).id;
    const env = { DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '0', LOG_LEVEL: 'info', PG_POOL_MAX: '2', PG_STATEMENT_TIMEOUT_MS: '400', PG_CONNECT_TIMEOUT_MS: '300', CACHE_FEED_HEARTBEAT_MS: '200', CACHE_FEED_HEARTBEAT_TIMEOUT_MS: '500' };
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    service = await startService(loadConfig(env), createLogger('info', sink));
    const res = await fetch(`${service.url}/api/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(assetBody(client, contact.id)),
    });
    assetId = ((await res.json()) as { id: number }).id;
  });
  afterAll(async () => {
    await service.stop();
    await db.drop();
  });

  const auth = () => ({ authorization: `Bearer ${token}` });
  const timed = async (url: string, init: RequestInit = {}) => {
    const started = performance.now();
    const res = await fetch(url, { ...init, headers: { ...auth(), ...(init.headers ?? {}) }, signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  };

  it('answers 200 or a fast 503 when every database connection is killed, then recovers by itself', async () => {
    const admin = new pg.Client(db.url);
    await admin.connect();
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    expect(rowCount).toBeGreaterThanOrEqual(2);
    await admin.end();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const widget = await timed(`${service.url}/api/assets/widget/${ticket}`);
      const put = await timed(`${service.url}/api/assets/${assetId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: `M-${i}` }),
      });
      for (const r of [widget, put]) {
        statuses.push(r.status);
        expect(r.ms).toBeLessThan(2_000);
      }
    }
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    await expect.poll(async () => (await timed(`${service.url}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    expect((await timed(`${service.url}/api/assets/widget/${ticket}`)).status).toBe(200);
  });

  it('answers 503 within a bounded time when the pool is exhausted, and records a hung-up client as 499', async () => {
    const locker = new pg.Client(db.url);
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE assets IN ACCESS EXCLUSIVE MODE');
    try {
      const puts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          timed(`${service.url}/api/assets/${assetId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: `L-${i}` }) }),
        ),
      );
      for (const put of puts) {
        expect(put.status).toBe(503);
        expect(put.ms).toBeLessThan(1_500);
      }
      const aborted = fetch(`${service.url}/api/assets/${assetId}`, {
        method: 'PUT',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gone' }),
        signal: AbortSignal.timeout(100),
      });
      await expect(aborted).rejects.toThrow();
      await expect
        .poll(() => logLines.some((l) => l.event === 'http.client_closed' && l.status === 499), { timeout: 3_000 })
        .toBe(true);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(logLines.filter((l) => l.level === 50 && l.status === 499)).toEqual([]);
    expect((await timed(`${service.url}/api/assets/${assetId}`)).status).toBe(200);
  });
});
