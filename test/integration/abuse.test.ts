import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { createUserWithToken } from '../../src/services/auth-service';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

describe('abuse: login rate limit, and no secrets in logs', () => {
  let db: TestDatabase;
  let service: RunningService;
  let token: string;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    token = (await createUserWithToken(db.pool, { email: 'victim@test.local', role: 'admin', password: 'correct horse' })).token;
    const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '0', LOG_LEVEL: 'debug', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    service = await startService(config, createLogger(config.LOG_LEVEL, sink));
  });
  afterAll(async () => {
    await service.stop();
    await db.drop();
  });

  const login = (password: string) =>
    fetch(`${service.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'victim@test.local', password }),
    });

  it('refuses sign-in with 429 and Retry-After once an account has too many failures from one address, even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await login(`guess-${i}`)).status).toBe(401);
    const blocked = await login('correct horse');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('never writes tokens, passwords, cookies or session ids to the log', async () => {
    await fetch(`${service.url}/api/assets?limit=1`, { headers: { authorization: `Bearer ${token}`, cookie: 'awc_session=awc_ses_secretcookie' } });
    await fetch(`${service.url}/api/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostname: 'x', password: 'hunter2-in-body' }),
    });
    const log = lines.join('');
    expect(log).toContain('"event":"http.request"');
    for (const secret of [token, token.slice(8), 'correct horse', 'guess-0', 'awc_ses_secretcookie', 'hunter2-in-body']) {
      expect(log).not.toContain(secret);
    }
  });
});
