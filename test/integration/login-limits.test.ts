import http from 'node:http';
import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoginLimiter } from '../../src/auth/login-limiter';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { hashPassword } from '../../src/auth/secrets';
import { usersRepository } from '../../src/db/repositories/users';
import { caller, startTestService, type TestService } from '../helpers/test-service';

const PASSWORD = 'correct horse battery';
const ENV = { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '6' };

let users = 0;
let passwordHash: Promise<string> | undefined;
/** A technician whose password is PASSWORD (hashed once: argon2 is slow on purpose). */
async function makeUser(t: TestService): Promise<string> {
  const email = `user${++users}@limits.test`;
  await usersRepository.upsertUser(t.db.pool, email, 'technician', await (passwordHash ??= hashPassword(PASSWORD)));
  return email;
}

/** A second instance of the service on the first one's database, in this process: the two share only PostgreSQL. */
async function startSibling(t: TestService, env: Record<string, string>): Promise<RunningService> {
  const config = loadConfig({ DATABASE_URL: t.db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHUTDOWN_GRACE_MS: '0', ...env });
  return startService(config, createLogger(config.LOG_LEVEL));
}

/** Counts argon2 verifications, i.e. passwords actually checked, while `work` runs. */
async function countVerifications<T>(work: () => Promise<T>): Promise<{ result: T; verified: number }> {
  const verify = vi.spyOn(argon2, 'verify');
  try {
    const result = await work();
    return { result, verified: verify.mock.calls.length };
  } finally {
    verify.mockRestore();
  }
}

describe('sign-in limits (PostgreSQL, TRUST_PROXY on)', () => {
  let t: TestService;
  let sibling: RunningService;
  beforeAll(async () => {
    t = await startTestService(ENV);
    sibling = await startSibling(t, ENV);
  });
  afterAll(async () => {
    await sibling.stop();
    await t.stop();
  });

  const login = (email: string, password: string, address: string, call = t.call) =>
    call('/api/auth/login', { method: 'POST', json: { email, password }, headers: { 'x-forwarded-for': address } });

  it('checks at most LOGIN_MAX_FAILURES_PER_ACCOUNT of 20 wrong passwords sent at once; the rest get 429 unchecked', async () => {
    const email = await makeUser(t);
    const { result, verified } = await countVerifications(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => login(email, `guess-${i}`, '198.51.100.10'))),
    );
    const statuses = result.map((r) => r.status).sort();
    expect(verified).toBe(5);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const refused = result.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    // The address that failed stays refused for this account, the right password included, unchecked.
    const { result: again, verified: none } = await countVerifications(() => login(email, PASSWORD, '198.51.100.10'));
    expect(again.status).toBe(429);
    expect(none).toBe(0);
  });

  it('does not multiply the allowance across instances: two instances on one database share the count', async () => {
    const email = await makeUser(t);
    const other = caller(sibling.url);
    const { result, verified } = await countVerifications(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => login(email, `guess-${i}`, '198.51.100.11', i % 2 ? other : t.call))),
    );
    expect(verified).toBe(5);
    expect(result.filter((r) => r.status === 401)).toHaveLength(5);
    expect(result.filter((r) => r.status === 429)).toHaveLength(15);
    expect((await login(email, 'one more', '198.51.100.11', other)).status).toBe(429);
    expect((await login(email, 'one more', '198.51.100.11')).status).toBe(429);
  });

  it("does not lock the user out for an attacker's failures: another address with the right password gets in, slowed down", async () => {
    const email = await makeUser(t);
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => login(email, `guess-${i}`, '198.51.100.20')));
    expect(first.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect((await login(email, PASSWORD, '198.51.100.20')).status).toBe(429);
    // More attackers, each from its own address, push the account's slow-down up; none of them is refused.
    const more = await Promise.all(Array.from({ length: 3 }, (_, i) => login(email, `guess-${i}`, `198.51.100.${21 + i}`)));
    expect(more.map((r) => r.status)).toEqual([401, 401, 401]);

    const started = Date.now();
    const victim = await login(email, PASSWORD, '203.0.113.50');
    const took = Date.now() - started;
    expect(victim.status).toBe(200);
    expect(victim.body.user.email).toBe(email);
    // The 9th attempt on the account: slowed by the cap, 2 s (250 ms doubling from the 6th), not refused.
    expect(took).toBeGreaterThanOrEqual(2_000);
    // The victim's success does not wipe the attackers' record: the first attacker is still refused.
    expect((await login(email, PASSWORD, '198.51.100.20')).status).toBe(429);
  });

  it('limits an address across accounts (LOGIN_MAX_FAILURES_PER_ADDRESS), and only that address', async () => {
    const emails = await Promise.all(Array.from({ length: 7 }, () => makeUser(t)));
    const wrong = await Promise.all(emails.slice(0, 6).map((email) => login(email, 'wrong', '198.51.100.30')));
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
    const blocked = await login(emails[6]!, PASSWORD, '198.51.100.30');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(emails[6]!, PASSWORD, '198.51.100.31')).status).toBe(200);
  });

  it('forgives the pair on success, so the user keeps the whole allowance after signing in', async () => {
    const email = await makeUser(t);
    const attempts = async () =>
      (await t.db.pool.query(`SELECT scope, attempts FROM login_attempts WHERE key IN ($1, $2, $3) ORDER BY scope`, [
        `198.51.100.40 ${email}`,
        '198.51.100.40',
        email,
      ])).rows;
    const typos = await Promise.all(Array.from({ length: 4 }, (_, i) => login(email, `typo-${i}`, '198.51.100.40')));
    expect(typos.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect((await login(email, PASSWORD, '198.51.100.40')).status).toBe(200);
    // The pair is forgiven; the address and the account keep their four failures (the success gave its own back).
    expect(await attempts()).toEqual([
      { scope: 'account', attempts: 4 },
      { scope: 'address', attempts: 4 },
    ]);
    expect((await login(email, 'typo', '198.51.100.40')).status).toBe(401);
    expect(await attempts()).toContainEqual({ scope: 'pair', attempts: 1 });
  });

  it('takes the address the proxy added (the last X-Forwarded-For entry), not one the client wrote before it', async () => {
    const email = await makeUser(t);
    const guesses = await Promise.all(Array.from({ length: 5 }, (_, i) => login(email, `guess-${i}`, `10.0.0.${i}, 198.51.100.50`)));
    expect(guesses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect((await login(email, 'guess', '10.9.9.9, 198.51.100.50')).status).toBe(429);
    const { rows } = await t.db.pool.query(`SELECT attempts FROM login_attempts WHERE scope = 'pair' AND key = $1`, [
      `198.51.100.50 ${email}`,
    ]);
    expect(rows).toEqual([{ attempts: 5 }]);
  });

  it('starts a new window once the old one has expired, and deletes expired windows', async () => {
    const email = await makeUser(t);
    await Promise.all(Array.from({ length: 5 }, (_, i) => login(email, `guess-${i}`, '198.51.100.60')));
    expect((await login(email, PASSWORD, '198.51.100.60')).status).toBe(429);
    await t.db.pool.query(`UPDATE login_attempts SET expires_at = now() - interval '1 second' WHERE key LIKE '198.51.100.60%' OR key = $1`, [email]);
    expect((await login(email, PASSWORD, '198.51.100.60')).status).toBe(200);

    await t.db.pool.query(`UPDATE login_attempts SET expires_at = now() - interval '1 second'`);
    await t.db.pool.query(`SELECT * FROM awc_login_reserve('fresh@limits.test', '198.51.100.61', 5, 6, 900)`);
    const limiter = new LoginLimiter(t.db.pool, { perAccount: 5, perAddress: 6, windowMs: 900_000 });
    expect(await limiter.deleteExpired()).toBeGreaterThan(0);
    const { rows } = await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM login_attempts');
    expect(rows[0]!.n).toBe(3);
  });
});

describe('sign-in limits with TRUST_PROXY off (the default)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  });
  afterAll(() => t.stop());

  /** POST from a chosen loopback address (all of 127/8 is this machine), so the socket address differs. */
  function loginFrom(localAddress: string, email: string, password: string, forwardedFor: string): Promise<number> {
    const url = new URL('/api/auth/login', t.url);
    const body = JSON.stringify({ email, password });
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-forwarded-for': forwardedFor },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('ignores X-Forwarded-For and counts the socket address', async () => {
    const email = 'tech@test.local';
    for (let i = 0; i < 3; i++) expect(await loginFrom('127.0.0.2', email, 'wrong', `192.0.2.${i}`)).toBe(401);
    expect(await loginFrom('127.0.0.2', email, 'tech-password', '192.0.2.99')).toBe(429);
    const { rows } = await t.db.pool.query(`SELECT key, attempts FROM login_attempts WHERE scope = 'pair'`);
    expect(rows).toEqual([{ key: `127.0.0.2 ${email}`, attempts: 3 }]);
    // Another machine (here: another loopback address) is not refused for the first one's failures.
    expect(await loginFrom('127.0.0.3', email, 'tech-password', '192.0.2.1')).toBe(200);
  });
});
