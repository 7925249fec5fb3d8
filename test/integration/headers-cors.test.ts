import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service';

describe('security headers and CORS', () => {
  let closed: TestService;
  let open: TestService;
  beforeAll(async () => {
    [closed, open] = await Promise.all([startTestService(), startTestService({ CORS_ORIGINS: 'https://helpdesk.example.com' })]);
  });
  afterAll(() => Promise.all([closed.stop(), open.stop()]));

  it('sets the security headers on every answer, errors included', async () => {
    for (const path of ['/healthz', '/api/assets', '/nope']) {
      const res = await closed.call(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('keeps CORS closed by default and opens it only to the configured origin, never with credentials', async () => {
    const origin = { origin: 'https://helpdesk.example.com' };
    expect((await closed.call('/api/assets', { token: closed.techToken, headers: origin })).headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await open.call('/api/assets', { token: open.techToken, headers: origin });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://helpdesk.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await open.call('/api/assets', { token: open.techToken, headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // With CORS open the answer depends on the Origin, so a shared cache must key on it.
    for (const res of [allowed, other]) expect(res.headers.get('vary')).toContain('Origin');
    const preflight = await open.call('/api/assets', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'PUT' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
  });
});
