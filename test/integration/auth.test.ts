import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUserWithToken } from '../../src/services/auth-service';
import { startTestService, type TestService } from '../helpers/test-service';

describe('authentication', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ AUTH_CACHE_TTL: '30' });
  });
  afterAll(() => t.stop());

  it('signs in with email and password, sets an HttpOnly SameSite cookie, and signs out', async () => {
    const login = await t.call('/api/auth/login', { method: 'POST', json: { email: 'TECH@test.local', password: 'tech-password' } });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ id: expect.any(Number), email: 'tech@test.local', role: 'technician' });
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^awc_session=awc_ses_[\w-]+;/);
    expect(setCookie).toMatch(/httponly/i);
    expect(setCookie).toMatch(/samesite=lax/i);
    const cookie = setCookie.split(';')[0]!;

    expect((await t.call('/api/assets', { headers: { cookie } })).status).toBe(200);
    const logout = await t.call('/api/auth/logout', { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    const after = await t.call('/api/assets', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password and an unknown email the same way', async () => {
    const wrong = await t.call('/api/auth/login', { method: 'POST', json: { email: 'tech@test.local', password: 'nope' } });
    const unknown = await t.call('/api/auth/login', { method: 'POST', json: { email: 'ghost@test.local', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('validates the login body, naming the fields', async () => {
    const res = await t.call('/api/auth/login', { method: 'POST', json: { email: 'not-an-email' } });
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual(['email', 'password']);
  });

  it('rejects missing, malformed and unknown bearer tokens with 401', async () => {
    for (const authorization of [undefined, 'Bearer', 'Basic dXNlcjpwYXNz', 'Bearer awc_tok_unknown', `Bearer ${t.techToken} extra`]) {
      const res = await t.call('/api/assets', { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', error: expect.any(String) });
    }
  });

  it('checks a credential not yet cached once, however many requests carry it at the same moment', async () => {
    const { token } = await createUserWithToken(t.db.pool, { email: 'burst@test.local', role: 'technician' });
    const query = vi.spyOn(t.service.pool, 'query');
    try {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => t.call('/api/assets/cache/stats', { token }).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(query.mock.calls.filter(([text]) => String(text).includes('api_tokens'))).toHaveLength(1);
    } finally {
      query.mockRestore();
    }
  });

  it('answers a seen token from memory, without asking the database', async () => {
    expect((await t.call('/api/assets', { token: t.techToken })).status).toBe(200);
    const query = vi.spyOn(t.service.pool, 'query');
    try {
      expect((await t.call('/api/assets/cache/stats', { token: t.techToken })).status).toBe(200);
      expect(query.mock.calls.filter(([text]) => /api_tokens|sessions/.test(String(text)))).toHaveLength(0);
    } finally {
      query.mockRestore();
    }
  });
});

describe('authentication without a credential cache', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ AUTH_CACHE_TTL: '0' });
  });
  afterAll(() => t.stop());

  it('sees a revoked token at once when AUTH_CACHE_TTL=0', async () => {
    expect((await t.call('/api/assets', { token: t.techToken })).status).toBe(200);
    await t.db.pool.query('UPDATE api_tokens SET revoked_at = now()');
    expect((await t.call('/api/assets', { token: t.techToken })).status).toBe(401);
  });
});
