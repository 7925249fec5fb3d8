import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, assetTableDigest, makeClient, makeContact } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

const EVIL = 'https://evil.example';

/** Cookie-authenticated writes must come from our own origin; bearer tokens and reads are not affected. */
describe('CSRF protection of the session cookie', () => {
  let t: TestService;
  let client: number;
  let contact: number;
  let cookie: string;

  beforeAll(async () => {
    t = await startTestService();
    client = (await makeClient(t.db.pool)).id;
    contact = (await makeContact(t.db.pool, client)).id;
    const login = await t.call('/api/auth/login', { method: 'POST', json: { email: 'tech@test.local', password: 'tech-password' } });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(() => t.stop());

  const newAsset = async () =>
    (await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(client, contact) })).body as { id: number };

  it('refuses POST, PUT and DELETE with the cookie from another origin, and changes no row', async () => {
    const asset = await newAsset();
    const before = await assetTableDigest(t.db.pool);
    const writes = [
      { method: 'POST', path: '/api/assets', json: assetBody(client, contact) },
      { method: 'PUT', path: `/api/assets/${asset.id}`, json: { hostname: 'HIJACKED' } },
      { method: 'DELETE', path: `/api/assets/${asset.id}` },
    ];
    for (const { method, path, json } of writes) {
      const res = await t.call(path, { method, json, headers: { cookie, origin: EVIL, 'sec-fetch-site': 'cross-site' } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual({ error: expect.any(String), code: 'CSRF_REJECTED' });
    }
    expect(await assetTableDigest(t.db.pool)).toBe(before);
  });

  it('refuses a write that names no origin, a "null" origin, another port or scheme, or a sibling site', async () => {
    const asset = await newAsset();
    const before = await assetTableDigest(t.db.pool);
    const own = new URL(t.url);
    const variants: Array<Record<string, string>> = [
      {},
      { origin: 'null' },
      { origin: `${own.protocol}//${own.hostname}:1` },
      { origin: `https://${own.host}` },
      { origin: `http://app.${own.hostname}.nip.io`, 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of variants) {
      const res = await t.call(`/api/assets/${asset.id}`, { method: 'PUT', json: { model: 'X' }, headers: { cookie, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.code).toBe('CSRF_REJECTED');
    }
    expect(await assetTableDigest(t.db.pool)).toBe(before);
  });

  it('lets a same-origin write through, by Origin or by Sec-Fetch-Site', async () => {
    const created = await t.call('/api/assets', { method: 'POST', json: assetBody(client, contact), headers: { cookie, origin: t.url } });
    expect(created.status).toBe(201);
    const renamed = await t.call(`/api/assets/${created.body.id}`, {
      method: 'PUT',
      json: { hostname: 'SAME-ORIGIN' },
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.hostname).toBe('SAME-ORIGIN');
  });

  it('does not check reads', async () => {
    const res = await t.call('/api/assets?limit=1', { headers: { cookie, origin: EVIL, 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
  });

  it('does not affect bearer tokens, with or without a cookie beside them', async () => {
    const plain = await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(client, contact), headers: { origin: EVIL } });
    expect(plain.status).toBe(201);
    const withCookie = await t.call(`/api/assets/${plain.body.id}`, {
      method: 'DELETE',
      token: t.techToken,
      headers: { cookie, origin: EVIL, 'sec-fetch-site': 'cross-site' },
    });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body.status).toBe('retired');
  });

  it('answers 401, not 403, when the cookie itself is not valid', async () => {
    const res = await t.call('/api/assets', { method: 'POST', json: assetBody(client, contact), headers: { cookie: 'awc_session=awc_ses_forged', origin: EVIL } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });
});
