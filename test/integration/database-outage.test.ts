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
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-outage-'));
    port = await freePort();
    server = await startEmbeddedPostgres({ dataDir: dir, port, logger });
    const config = loadConfig({ DATABASE_URL: server.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '0', LOG_LEVEL: 'silent', PG_CONNECT_TIMEOUT_MS: '500', CACHE_FEED_HEARTBEAT_MS: '300', CACHE_FEED_HEARTBEAT_TIMEOUT_MS: '600' });
    service = await startService(config, createLogger('silent'));
    const db = new pg.Client(server.url);
    await db.connect();
    token = (await createUserWithToken(db, { email: 'outage@test.local', role: 'admin' })).token;
    const client = (await makeClient(db)).id;
    const contact = await makeContact(db, client, 'Before Outage');
    ticket = (await makeTicket(db, client, contact.id)).id;
    await db.end();
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await server?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const widget = async () => {
    const res = await fetch(`${service.url}/api/assets/widget/${ticket}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, body: (await res.json()) as { contact_name?: string } };
  };

  it('answers fast 503s (never hangs or crashes) while it is down, then recovers and resyncs without a restart', async () => {
    await expect.poll(async () => (await widget()).body.contact_name, { timeout: 5_000 }).toBe('Before Outage');
    await server.stop();
    const during: number[] = [];
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const started = performance.now();
      const res = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      during.push(res.status);
      expect(performance.now() - started).toBeLessThan(2_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(during.at(-1)).toBe(503);

    server = await startEmbeddedPostgres({ dataDir: dir, port, logger });
    // A change made as soon as the server is back, by the feed or by the resync, whichever is first.
    const db = new pg.Client(server.url);
    await db.connect();
    await db.query(`UPDATE contacts SET name = 'After Outage'`);
    await db.end();
    await expect.poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 20_000, interval: 200 }).toBe(200);
    expect(await widget()).toEqual({ status: 200, body: { assets: [], contact_name: 'After Outage', total_assets: 0 } });
    const stats = (await (await fetch(`${service.url}/api/assets/cache/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as { feed_reconnects: number; state: string };
    expect(stats.state).toBe('ready');
    expect(stats.feed_reconnects).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
