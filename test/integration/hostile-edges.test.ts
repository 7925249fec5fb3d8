import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { createUserWithToken } from '../../src/services/auth-service';
import { assetBody, makeClient, makeContact } from '../helpers/factories';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { caller, type TestService } from '../helpers/test-service';

const SPARSE_TICKET = 2_000_000_000;

/** Sends the request line and headers, then the given body parts with pauses; resolves with what came back and when. */
function rawExchange(url: string, head: string, parts: string[], pauseMs: number): Promise<{ text: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.on('connect', async () => {
      socket.write(head);
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    setTimeout(() => reject(new Error('socket still open after 20 s')), 20_000).unref();
  });
}

describe('hostile edges: bodies, slow clients, error echo, logs, headers, sparse ids', () => {
  let db: TestDatabase;
  let service: RunningService;
  let call: TestService['call'];
  let token: string;
  let contact: number;
  const lines: string[] = [];
  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = (await makeClient(db.pool)).id;
    contact = (await makeContact(db.pool, client)).id;
    await db.pool.query('INSERT INTO tickets (id, client_id, contact_id) VALUES ($1, $2, $3)', [SPARSE_TICKET, client, contact]);
    token = (await createUserWithToken(db.pool, { email: 'ops@test.local', role: 'admin' })).token;
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: '0',
      LOG_LEVEL: 'info',
      BODY_LIMIT: '64kb',
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      PG_STATEMENT_TIMEOUT_MS: '200',
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    service = await startService(config, createLogger(config.LOG_LEVEL, sink));
    call = caller(service.url);
  });
  afterAll(async () => {
    await service.stop();
    await db.drop();
  });

  it('answers a chunked body over BODY_LIMIT with a logged 413, not a 500', async () => {
    const head = `POST /api/assets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = `${(32 * 1024).toString(16)}\r\n${'a'.repeat(32 * 1024)}\r\n`;
    const { text } = await rawExchange(service.url, head, Array(8).fill(chunk), 5);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
    expect(logged().some((l) => l.event === 'http.request' && l.status === 413)).toBe(true);
    expect(logged().some((l) => l.event === 'http.koa_error')).toBe(false);
  });

  it('closes a connection whose body trickles in past HTTP_REQUEST_TIMEOUT_MS', async () => {
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const { text, closedAfterMs } = await rawExchange(service.url, head, Array(40).fill(' '), 250);
    expect(closedAfterMs).toBeLessThan(5_000);
    expect(text).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('lists at most 20 unknown fields in a 400, however many were sent', async () => {
    const body = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    const res = await fetch(`${service.url}/api/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body).slice(0, 60 * 1024).replace(/,"[^,]*$/, '}'),
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text).fields).toHaveLength(20);
    expect(text.length).toBeLessThan(4_000);
  });

  it('logs database errors without their detail, and 503s as warnings', async () => {
    await db.pool.query('CREATE UNIQUE INDEX assets_hostname_unique ON assets (hostname)');
    const client = (await db.pool.query<{ client_id: number }>('SELECT client_id FROM contacts WHERE id = $1', [contact])).rows[0]!.client_id;
    const body = assetBody(client, contact, { hostname: 'row-value-in-detail-7731' });
    expect((await call('/api/assets', { method: 'POST', token, json: body })).status).toBe(201);
    expect((await call('/api/assets', { method: 'POST', token, json: body })).status).toBe(500);
    const failure = logged().find((l) => (l.err as { code?: string } | undefined)?.code === '23505');
    expect(failure?.level).toBe(50);
    expect(JSON.stringify(logged())).not.toContain('row-value-in-detail-7731');

    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE assets IN ACCESS EXCLUSIVE MODE');
      expect((await call('/api/assets?limit=1', { token })).status).toBe(503);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const timeout = logged().find((l) => (l.err as { code?: string } | undefined)?.code === '57014');
    expect(timeout?.level).toBe(40);
  });

  it('logs what Koa reports outside the middleware chain', () => {
    service.app.emit('error', new Error('stream broke after the headers'));
    expect(logged().some((l) => l.event === 'http.koa_error' && l.level === 50)).toBe(true);
  });

  it('marks authenticated answers no-store and sends no HSTS over plain HTTP', async () => {
    const res = await call('/api/assets?limit=1', { token });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect((await call('/api/assets?limit=1')).headers.get('cache-control')).toBe('no-store');
  });

  it('serves a ticket with an id near 2^31 from a snapshot sized by its tickets, not its highest id', async () => {
    const res = await call(`/api/assets/widget/${SPARSE_TICKET}`, { token });
    expect(res.status).toBe(200);
    const stats = (await call('/api/assets/cache/stats', { token })).body;
    expect(stats.tickets).toBe(1);
    expect(stats.misses).toBe(0);
    expect(stats.snapshot_bytes).toBeLessThan(1024 * 1024);
  });
});

describe('HTTPS deployments', () => {
  it('sends Strict-Transport-Security when COOKIE_SECURE=true', async () => {
    const db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '0', LOG_LEVEL: 'silent', COOKIE_SECURE: 'true' });
    const service = await startService(config, createLogger(config.LOG_LEVEL));
    try {
      const res = await fetch(`${service.url}/healthz`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await service.stop();
      await db.drop();
    }
  });
});
