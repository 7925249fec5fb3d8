import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUTH_LISTEN_APPLICATION_NAME } from '../../src/auth/credential-feed';
import { hashSecret, newSecret } from '../../src/auth/secrets';
import { projectPath } from '../../src/paths';
import { createUserWithToken } from '../../src/services/auth-service';
import { eventually, startServicePair, type ServicePair } from '../helpers/service-pair';
import { startTestService, type TestService } from '../helpers/test-service';

/** Runs a compiled CLI (`npm test` builds first) against `databaseUrl`; resolves with its exit code and output. */
function runCli(script: string, args: string[], databaseUrl: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [projectPath('dist', 'src', 'cli', script), ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin ?? '');
  });
}

const ADMIN_ONLY = '/api/assets/999999999/permanent';

describe('credential changes reach every instance within a second (two service processes, AUTH_CACHE_TTL=30)', () => {
  let pair: ServicePair;
  beforeAll(async () => {
    pair = await startServicePair();
  }, 120_000);
  afterAll(() => pair?.stop());

  it('instance B refuses a token revoked by plain SQL within 1 s', async () => {
    const { token } = await createUserWithToken(pair.db.pool, { email: 'revoked@test.local', role: 'technician' });
    for (const instance of [pair.a, pair.b, pair.b]) expect((await instance.call('/api/assets?limit=1', { token })).status).toBe(200);
    await pair.db.pool.query('UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1', [hashSecret(token)]);
    await eventually(async () => expect((await pair.b.call('/api/assets?limit=1', { token })).status).toBe(401), 1_000);
    expect((await pair.a.call('/api/assets?limit=1', { token })).status).toBe(401);
  });

  it('a demoted admin loses the admin routes on instance B within 1 s', async () => {
    const { token } = await createUserWithToken(pair.db.pool, { email: 'demoted@test.local', role: 'admin' });
    expect((await pair.b.call(ADMIN_ONLY, { method: 'DELETE', token })).status).toBe(404);
    await pair.db.pool.query(`UPDATE users SET role = 'technician' WHERE email = 'demoted@test.local'`);
    await eventually(async () => expect((await pair.b.call(ADMIN_ONLY, { method: 'DELETE', token })).status).toBe(403), 1_000);
  });

  it('npm run token:revoke -- --token - (from stdin) and -- --email: B refuses within 1 s; the token is never printed', async () => {
    const one = await createUserWithToken(pair.db.pool, { email: 'cli-one@test.local', role: 'technician' });
    const second = await createUserWithToken(pair.db.pool, { email: 'cli-one@test.local', role: 'technician' });
    for (const token of [one.token, second.token]) expect((await pair.b.call('/api/assets?limit=1', { token })).status).toBe(200);

    const byToken = await runCli('token-revoke.js', ['--token', '-'], pair.db.url, `${one.token}\n`);
    expect(byToken.code).toBe(0);
    expect(JSON.parse(byToken.stdout)).toEqual({ revoked: 1, user_id: one.user.userId });
    expect(byToken.stdout + byToken.stderr).not.toContain(one.token);
    await eventually(async () => expect((await pair.b.call('/api/assets?limit=1', { token: one.token })).status).toBe(401), 1_000);
    expect((await pair.b.call('/api/assets?limit=1', { token: second.token })).status).toBe(200);

    const byEmail = await runCli('token-revoke.js', ['--email', 'CLI-one@test.local'], pair.db.url);
    expect(byEmail.code).toBe(0);
    expect(JSON.parse(byEmail.stdout)).toEqual({ revoked: 1, user_id: one.user.userId, email: 'cli-one@test.local' });
    await eventually(async () => expect((await pair.b.call('/api/assets?limit=1', { token: second.token })).status).toBe(401), 1_000);

    // Revoking again changes nothing and says so.
    expect(JSON.parse((await runCli('token-revoke.js', ['--token', one.token], pair.db.url)).stdout)).toEqual({ revoked: 0, user_id: one.user.userId });
  });

  it('npm run user:delete: the user\'s token and session stop working on B within 1 s', async () => {
    const { token, user } = await createUserWithToken(pair.db.pool, { email: 'leaver@test.local', role: 'admin', password: 'leaver-password' });
    const login = await pair.a.call('/api/auth/login', { method: 'POST', json: { email: 'leaver@test.local', password: 'leaver-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await pair.b.call('/api/assets?limit=1', { token })).status).toBe(200);
    expect((await pair.b.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(200);

    const deleted = await runCli('user-delete.js', ['--email', 'leaver@test.local'], pair.db.url);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: true, id: user.userId, email: 'leaver@test.local', role: 'admin', tokens: 1, sessions: 1 });
    await eventually(async () => {
      expect((await pair.b.call('/api/assets?limit=1', { token })).status).toBe(401);
      expect((await pair.b.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(401);
    }, 1_000);
  });

  it('the CLIs refuse bad input with a message and a non-zero exit', async () => {
    const cases: [string, string[], number, RegExp][] = [
      ['token-revoke.js', [], 2, /give --token or --email/],
      ['token-revoke.js', ['--token', 'x', '--email', 'a@b.io'], 2, /not both/],
      ['token-revoke.js', ['--email', 'not-an-email'], 2, /--email must be an email address/],
      ['token-revoke.js', ['--bogus'], 2, /usage: npm run token:revoke/],
      ['token-revoke.js', ['--token', 'awc_tok_nosuchtoken'], 1, /no such API token/],
      ['token-revoke.js', ['--email', 'nobody@test.local'], 1, /no user with email nobody@test.local/],
      ['user-delete.js', [], 2, /give --email/],
      ['user-delete.js', ['--email', 'x'], 2, /--email must be an email address/],
      ['user-delete.js', ['--email', 'nobody@test.local'], 1, /no user with email/],
    ];
    for (const [script, args, code, message] of cases) {
      const result = await runCli(script, args, pair.db.url);
      expect({ script, args, code: result.code, stdout: result.stdout }).toEqual({ script, args, code, stdout: '' });
      expect(result.stderr).toMatch(message);
    }
    expect((await runCli('token-revoke.js', ['--token', 'awc_tok_nosuchtoken'], pair.db.url)).stderr).not.toContain('nosuchtoken');
  });
});

describe('credential cache and its feed (one in-process instance, AUTH_CACHE_TTL=30)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ AUTH_CACHE_TTL: '30' });
  });
  afterAll(() => t.stop());

  const credentialQueries = async (work: () => Promise<unknown>) => {
    const query = vi.spyOn(t.service.pool, 'query');
    try {
      await work();
      return query.mock.calls.filter(([text]) => /api_tokens|sessions/.test(String(text))).length;
    } finally {
      query.mockRestore();
    }
  };

  it('never answers from memory for a session past its expiry', async () => {
    const sessionId = newSecret('awc_ses');
    const { user } = await createUserWithToken(t.db.pool, { email: 'short@test.local', role: 'technician' });
    await t.db.pool.query(`INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1500 milliseconds')`, [
      hashSecret(sessionId),
      user.userId,
    ]);
    const cookie = `awc_session=${sessionId}`;
    expect((await t.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(200);
    // Cached: the second request does not ask the database...
    expect(await credentialQueries(async () => expect((await t.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(200))).toBe(0);
    await new Promise((r) => setTimeout(r, 1_600));
    // ...but the entry ended with the session, not 30 s later.
    expect((await t.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(401);
  });

  it('a session ended by plain SQL is refused within 1 s', async () => {
    const login = await t.call('/api/auth/login', { method: 'POST', json: { email: 'tech@test.local', password: 'tech-password' } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await t.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(200);
    await t.db.pool.query(`UPDATE sessions SET expires_at = now() WHERE id_hash = $1`, [hashSecret(cookie.split('=')[1]!)]);
    await eventually(async () => expect((await t.call('/api/assets?limit=1', { headers: { cookie } })).status).toBe(401), 1_000);
  });

  it('on losing its LISTEN connection it empties the cache at once, so a change made meanwhile is not missed', async () => {
    const { token } = await createUserWithToken(t.db.pool, { email: 'outage@test.local', role: 'technician' });
    expect((await t.call('/api/assets?limit=1', { token })).status).toBe(200);
    expect(await credentialQueries(async () => expect((await t.call('/api/assets?limit=1', { token })).status).toBe(200))).toBe(0);

    const listener = `SELECT pid FROM pg_stat_activity WHERE application_name = '${AUTH_LISTEN_APPLICATION_NAME}' AND datname = current_database()`;
    const { rows } = await t.db.pool.query<{ pid: number }>(listener);
    expect(rows).toHaveLength(1);
    await t.db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await eventually(async () => expect((await t.db.pool.query(listener)).rows).toEqual([]), 2_000);
    // Revoked while nobody listens (checked in the same statement): this notification reaches no instance.
    const revoked = await t.db.pool.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1 AND NOT EXISTS (${listener})`,
      [hashSecret(token)],
    );
    expect(revoked.rowCount).toBe(1);
    await eventually(async () => expect((await t.call('/api/assets?limit=1', { token })).status).toBe(401), 1_000);

    // Back to listening (200 ms backoff): cached again, and changes are heard again.
    await eventually(async () => expect((await t.db.pool.query(listener)).rows).toHaveLength(1), 3_000);
    const other = await createUserWithToken(t.db.pool, { email: 'after-outage@test.local', role: 'technician' });
    await eventually(async () => {
      expect((await t.call('/api/assets?limit=1', { token: other.token })).status).toBe(200);
      expect(await credentialQueries(() => t.call('/api/assets?limit=1', { token: other.token }))).toBe(0);
    }, 2_000);
    await t.db.pool.query('UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1', [hashSecret(other.token)]);
    await eventually(async () => expect((await t.call('/api/assets?limit=1', { token: other.token })).status).toBe(401), 1_000);
  });
});
