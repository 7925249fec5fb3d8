import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { createUserWithToken } from '../../src/services/auth-service';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { freePort } from '../helpers/free-port';

/** A PostgreSQL of this test's own, so it can be stopped and started without touching anyone else's. */
describe('PostgreSQL stops for a few seconds and comes back', () => {
  let dir: string;
  let port: number;
  let server: EmbeddedPostgres;
  let service: RunningService;
  let token: string;
  let ticket: number;
  let asset: number;
  const logger = pino({ level: 'silent' });
  // Short, so the test sees the grace end. Known credentials pass for AUTH_OUTAGE_GRACE_SECONDS of the outage,
  // set longer here so that what ends is the widget's grace, not authentication.
  // A loaded machine (the whole suite running) must not turn a slow lookup into a 503: a generous lookup timeout.
  const GRACE_SECONDS = 5;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-outage-'));
    port = await freePort();
    server = await startEmbeddedPostgres({ dataDir: dir, port, logger });
    const config = loadConfig({ DATABASE_URL: server.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '0', LOG_LEVEL: 'silent', PG_CONNECT_TIMEOUT_MS: '500', CACHE_FEED_HEARTBEAT_MS: '300', CACHE_FEED_HEARTBEAT_TIMEOUT_MS: '600', CACHE_GRACE_SECONDS: String(GRACE_SECONDS), AUTH_OUTAGE_GRACE_SECONDS: '60', CACHE_LOOKUP_TIMEOUT_MS: '2000' });
    service = await startService(config, createLogger('silent'));
    const db = new pg.Client(server.url);
    await db.connect();
    token = (await createUserWithToken(db, { email: 'outage@test.local', role: 'admin' })).token;
    const client = (await makeClient(db)).id;
    const contact = await makeContact(db, client, 'Before Outage');
    ticket = (await makeTicket(db, client, contact.id)).id;
    asset = (await db.query<{ id: number }>(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date) VALUES ('OUTAGE-PC', $1, $2, '2024-01-01') RETURNING id`,
      [client, contact.id],
    )).rows[0]!.id;
    await db.end();
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await server?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const widget = async () => {
    const started = performance.now();
    const res = await fetch(`${service.url}/api/assets/widget/${ticket}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { contact_name?: string; assets?: Array<{ hostname: string }> };
    return { status: res.status, cacheStatus: res.headers.get('cache-status'), body, ms: performance.now() - started };
  };
  const put = (json: unknown) =>
    fetch(`${service.url}/api/assets/${asset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
      signal: AbortSignal.timeout(5_000),
    });

  it('while it is down: fast 503 readiness and writes, the widget from the snapshot marked stale for CACHE_GRACE_SECONDS then 503; then recovers and resyncs without a restart', async () => {
    await expect.poll(async () => (await widget()).body.contact_name, { timeout: 5_000 }).toBe('Before Outage');
    await expect.poll(async () => (await widget()).cacheStatus, { timeout: 10_000 }).toBe('asset-cache; hit');
    // Before the stop: the cache may leave `ready` as soon as the server starts shutting down.
    const stoppedAt = Date.now();
    await server.stop();
    const during: Array<{ status: number; body: Record<string, unknown> }> = [];
    const answers: Array<Awaited<ReturnType<typeof widget>>> = [];
    // Well inside the grace, which cannot start before the stop did.
    const until = stoppedAt + 3_000;
    while (Date.now() < until) {
      const started = performance.now();
      const res = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      during.push({ status: res.status, body: (await res.json()) as Record<string, unknown> });
      expect(performance.now() - started).toBeLessThan(2_000);
      answers.push(await widget());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(during.at(-1)).toEqual({
      status: 503,
      body: { status: 'not_ready', reason: 'database unreachable and asset cache degraded', cache: 'degraded', database: 'unreachable' },
    });
    // Within the grace every widget answer is the snapshot's: 200, and marked stale once the cache noticed.
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ assets: [expect.objectContaining({ hostname: 'OUTAGE-PC' })], contact_name: 'Before Outage', total_assets: 1 });
      expect(answer.ms).toBeLessThan(2_000);
    }
    expect(answers.at(-1)!.cacheStatus).toMatch(/^asset-cache; hit; ttl=-\d+; detail=stale$/);
    // Writes are not served from anything: 503.
    const write = await put({ hostname: 'DURING-OUTAGE' });
    expect(write.status).toBe(503);
    // Past the grace: 503 as without a cache. The bound counts from when the cache stopped being ready, after
    // the stop began, so the first 503 cannot come earlier than GRACE_SECONDS after that.
    await expect.poll(async () => (await widget()).status, { timeout: (GRACE_SECONDS + 5) * 1000, interval: 200 }).toBe(503);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    const after = await widget();
    expect(after).toMatchObject({ status: 503, cacheStatus: 'asset-cache; fwd=miss', body: { code: 'SERVICE_UNAVAILABLE' } });

    server = await startEmbeddedPostgres({ dataDir: dir, port, logger });
    // A change made as soon as the server is back, by the feed or by the resync, whichever is first.
    const db = new pg.Client(server.url);
    await db.connect();
    await db.query(`UPDATE contacts SET name = 'After Outage'`);
    await db.end();
    await expect.poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 20_000, interval: 200 }).toBe(200);
    // Ready from here on because SQL answers; the cache is fresh again once it has resynced.
    await expect.poll(async () => (await widget()).cacheStatus, { timeout: 20_000, interval: 200 }).toBe('asset-cache; hit');
    expect((await widget()).body).toEqual({ assets: [expect.objectContaining({ hostname: 'OUTAGE-PC' })], contact_name: 'After Outage', total_assets: 1 });
    const stats = (await (await fetch(`${service.url}/api/assets/cache/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as { feed_reconnects: number; state: string; grace_answers: number };
    expect(stats.state).toBe('ready');
    expect(stats.feed_reconnects).toBeGreaterThanOrEqual(1);
    expect(stats.grace_answers).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(Number(/^asset_widget_answers_total\{cache="stale"\} (\d+)$/m.exec(metrics)?.[1])).toBe(stats.grace_answers);
    expect(metrics).toMatch(/^asset_cache_state\{state="ready"\} 1$/m);
  }, 60_000);
});
