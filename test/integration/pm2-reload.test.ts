import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseParser } from '../../load-tests/lib/sse-parser';
import { projectPath } from '../../src/paths';
import { createUserWithToken } from '../../src/services/auth-service';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { freePort } from '../helpers/free-port';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const run = promisify(execFile);
const PM2 = projectPath('node_modules', '.bin', 'pm2');

/**
 * The service under real PM2, started from ecosystem.config.js with the file's defaults (2 instances, cluster
 * mode), with its own PM2 home. INSTANCES is set empty, which the file reads as unset whatever .env says.
 */
describe('under PM2: start, reload under traffic, stop', () => {
  let db: TestDatabase;
  let home: string;
  let url: string;
  let token: string;
  let ticket: number;
  const pm2 = (...args: string[]) =>
    run(PM2, args, {
      cwd: projectPath(),
      timeout: 120_000,
      env: { ...process.env, PM2_HOME: home, DATABASE_URL: db.url, PORT: new URL(url).port, HOST: '127.0.0.1', INSTANCES: '', LOG_LEVEL: 'warn' },
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'awc-pm2-'));
    url = `http://127.0.0.1:${await freePort()}`;
    const client = (await makeClient(db.pool)).id;
    const contact = await makeContact(db.pool, client, 'Pat Doe');
    ticket = (await makeTicket(db.pool, client, contact.id)).id;
    token = (await createUserWithToken(db.pool, { email: 'pm2@test.local', role: 'technician' })).token;
    await pm2('start', 'ecosystem.config.js', '--env', 'production');
  }, 120_000);

  afterAll(async () => {
    await pm2('kill').catch(() => undefined);
    await fs.rm(home, { recursive: true, force: true });
    await db.drop();
  });

  it('is ready when pm2 start returns, and drops no request while pm2 reload replaces every instance', async () => {
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const list = JSON.parse((await pm2('jlist')).stdout) as Array<{ pid: number; pm2_env: { status: string; exec_mode: string } }>;
    expect(list.map((p) => [p.pm2_env.status, p.pm2_env.exec_mode])).toEqual([
      ['online', 'cluster_mode'],
      ['online', 'cluster_mode'],
    ]);

    let stop = false;
    const failures: string[] = [];
    let ok = 0;
    const traffic = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            const res = await fetch(`${url}/api/assets/widget/${ticket}`, { headers: { authorization: `Bearer ${token}` } });
            const body = (await res.json()) as { contact_name?: string };
            if (res.status === 200 && body.contact_name === 'Pat Doe') ok++;
            else failures.push(`${res.status} ${JSON.stringify(body)}`);
          } catch (err) {
            failures.push(String((err as Error).cause ?? err));
          }
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    await pm2('reload', 'asset-widget-cache');
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await traffic;

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    const after = JSON.parse((await pm2('jlist')).stdout) as Array<{ pid: number }>;
    expect(after.map((p) => p.pid).filter((pid) => list.some((old) => old.pid === pid))).toEqual([]);
  }, 120_000);

  it('drops no live stream silently: each ends at the reload and reconnects to a sibling, which sends the next change', async () => {
    const clients = Array.from({ length: 6 }, () => liveClient(`${url}/api/assets/widget/${ticket}/events`, token));
    await expect.poll(() => clients.every((c) => c.events.length === 1), { timeout: 10_000 }).toBe(true);
    const before = JSON.parse((await pm2('jlist')).stdout) as Array<{ pid: number }>;
    await pm2('reload', 'asset-widget-cache');
    await expect.poll(() => clients.every((c) => c.connects >= 2 && c.connected), { timeout: 20_000 }).toBe(true);
    await db.pool.query(`UPDATE contacts SET name = 'Pat Doe-Live' WHERE name = 'Pat Doe'`);
    await expect.poll(() => clients.every((c) => c.events.at(-1)?.includes('Pat Doe-Live')), { timeout: 5_000 }).toBe(true);
    // A stream left open on an old instance (ended at shutdown or opened during its grace) is only cut when
    // that process exits, which `pm2 reload` does not wait for: judge once every old process is gone.
    await expect.poll(() => before.every((p) => !alive(p.pid)), { timeout: 30_000 }).toBe(true);
    expect(clients.flatMap((c) => c.refused)).toEqual([]);
    // Every stream the reload took away was ended by its instance, none cut when the process went.
    expect(clients.flatMap((c) => c.broken)).toEqual([]);
    expect(clients.every((c) => c.connected && c.events.at(-1)?.includes('Pat Doe-Live'))).toBe(true);
    for (const c of clients) c.close();
    await db.pool.query(`UPDATE contacts SET name = 'Pat Doe' WHERE name = 'Pat Doe-Live'`);
  }, 120_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An EventSource as a browser runs it: reconnects when the stream ends, sending the last event id it saw. */
function liveClient(target: string, token: string) {
  const state = { events: [] as string[], connects: 0, connected: false, refused: [] as number[], broken: [] as string[], lastId: '', closed: false };
  const connect = async () => {
    while (!state.closed) {
      try {
        const res = await fetch(target, { headers: { authorization: `Bearer ${token}`, ...(state.lastId ? { 'last-event-id': state.lastId } : {}) } });
        if (res.status !== 200) state.refused.push(res.status);
        else {
          state.connects++;
          state.connected = true;
          const decoder = new TextDecoder();
          const parse = sseParser(({ id, data }) => {
            state.lastId = id;
            state.events.push(data);
          });
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parse(decoder.decode(chunk, { stream: true }));
        }
      } catch (err) {
        // A stream cut rather than ended: the client only learns it by the socket's error, possibly much later.
        if (!state.closed) state.broken.push(String((err as Error).cause ?? err));
      }
      state.connected = false;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void connect();
  return Object.assign(state, { close: () => (state.closed = true) });
}
