import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, assetTableDigest, makeClient, makeContact } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('asset CRUD API', () => {
  let t: TestService;
  let clientId: number;
  let contactId: number;
  let otherClientContactId: number;

  beforeAll(async () => {
    t = await startTestService();
    clientId = (await makeClient(t.db.pool)).id;
    contactId = (await makeContact(t.db.pool, clientId)).id;
    const other = await makeClient(t.db.pool);
    otherClientContactId = (await makeContact(t.db.pool, other.id)).id;
  });
  afterAll(() => t.stop());

  it('creates an asset and returns it with dates as YYYY-MM-DD and timestamps in UTC', async () => {
    const body = assetBody(clientId, contactId, { warranty_expiration_date: '2025-12-31' });
    const res = await t.call('/api/assets', { method: 'POST', token: t.techToken, json: body });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/assets/${res.body.id}`);
    expect(res.body).toMatchObject({ ...body, status: 'active', retired_at: null });
    expect(res.body.in_service_date).toBe('2024-03-01');
    expect(res.body.warranty_expiration_date).toBe('2025-12-31');
    expect(res.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const fetched = await t.call(`/api/assets/${res.body.id}`, { token: t.techToken });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('updates only the given fields, bumps the version, and re-checks ownership', async () => {
    const created = (await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(clientId, contactId) })).body;
    const res = await t.call(`/api/assets/${created.id}`, { method: 'PUT', token: t.techToken, json: { hostname: 'RENAMED-01' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...created, hostname: 'RENAMED-01', version: expect.any(String), updated_at: expect.any(String) });
    expect(BigInt(res.body.version)).toBeGreaterThan(BigInt(created.version));

    const before = await assetTableDigest(t.db.pool);
    const bad = await t.call(`/api/assets/${created.id}`, { method: 'PUT', token: t.techToken, json: { contact_id: otherClientContactId } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: 'contact_id', message: 'this contact belongs to another client' }]);
    expect(await assetTableDigest(t.db.pool)).toBe(before);
  });

  it('retires with DELETE (idempotently) and removes permanently for admins only', async () => {
    const created = (await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(clientId, contactId) })).body;
    const retired = await t.call(`/api/assets/${created.id}`, { method: 'DELETE', token: t.techToken });
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    expect(retired.body.retired_at).toEqual(expect.any(String));
    const again = await t.call(`/api/assets/${created.id}`, { method: 'DELETE', token: t.techToken });
    expect(again.body).toEqual(retired.body);

    const forbidden = await t.call(`/api/assets/${created.id}/permanent`, { method: 'DELETE', token: t.techToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    const removed = await t.call(`/api/assets/${created.id}/permanent`, { method: 'DELETE', token: t.adminToken });
    expect(removed.status).toBe(204);
    expect((await t.call(`/api/assets/${created.id}`, { token: t.techToken })).status).toBe(404);
    const gone = await t.call(`/api/assets/${created.id}/permanent`, { method: 'DELETE', token: t.adminToken });
    expect(gone.body).toEqual({ error: 'Asset not found', code: 'ASSET_NOT_FOUND' });
  });

  it('lists with filters and keyset pagination that visits every row once', async () => {
    const listClient = (await makeClient(t.db.pool)).id;
    const listContact = (await makeContact(t.db.pool, listClient)).id;
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(listClient, i < 5 ? listContact : null) });
      ids.push(res.body.id);
    }
    await t.call(`/api/assets/${ids[0]}`, { method: 'DELETE', token: t.techToken });

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await t.call(
        `/api/assets?client_id=${listClient}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { token: t.techToken },
      );
      expect(page.status).toBe(200);
      expect(page.body.assets.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.assets.map((a: { id: number }) => a.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const byContact = await t.call(`/api/assets?contact_id=${listContact}&status=active`, { token: t.techToken });
    expect(byContact.body.assets.map((a: { id: number }) => a.id)).toEqual(ids.slice(1, 5));
    expect(byContact.body.next_cursor).toBeNull();
  });

  describe('bad input gets a clear error and changes no row', () => {
    const cases: Array<[string, () => { path: string; init: Parameters<TestService['call']>[1] }, number, string, string[]?]> = [
      ['malformed JSON', () => ({ path: '/api/assets', init: { method: 'POST', body: '{"hostname": ', headers: { 'content-type': 'application/json' } } }), 400, 'BAD_JSON'],
      ['a body over 1 MB', () => ({ path: '/api/assets', init: { method: 'POST', json: { ...assetBody(clientId, contactId), model: 'x'.repeat(1_100_000) } } }), 413, 'PAYLOAD_TOO_LARGE'],
      ['a non-JSON content type', () => ({ path: '/api/assets', init: { method: 'POST', body: 'hostname=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['missing required fields', () => ({ path: '/api/assets', init: { method: 'POST', json: {} } }), 400, 'VALIDATION_FAILED', ['hostname', 'client_id', 'in_service_date']],
      ['wrong types and bad dates', () => ({ path: '/api/assets', init: { method: 'POST', json: { ...assetBody(clientId, contactId), client_id: '1', in_service_date: '2024-02-30', warranty_expiration_date: '31/12/2025' } } }), 400, 'VALIDATION_FAILED', ['client_id', 'in_service_date', 'warranty_expiration_date']],
      ['an unknown field', () => ({ path: '/api/assets', init: { method: 'POST', json: { ...assetBody(clientId, contactId), hostnme: 'typo' } } }), 400, 'VALIDATION_FAILED', ['hostnme']],
      ['a NUL character', () => ({ path: '/api/assets', init: { method: 'POST', json: assetBody(clientId, contactId, { hostname: 'a\u0000b' }) } }), 400, 'VALIDATION_FAILED', ['hostname']],
      ['a bad status', () => ({ path: '/api/assets', init: { method: 'POST', json: assetBody(clientId, contactId, { status: 'lost' }) } }), 400, 'VALIDATION_FAILED', ['status']],
      ['an unknown client', () => ({ path: '/api/assets', init: { method: 'POST', json: assetBody(2_000_000_000, null) } }), 400, 'VALIDATION_FAILED', ['client_id']],
      ['an unknown contact', () => ({ path: '/api/assets', init: { method: 'POST', json: assetBody(clientId, 2_000_000_000) } }), 400, 'VALIDATION_FAILED', ['contact_id']],
      ['a contact of another client', () => ({ path: '/api/assets', init: { method: 'POST', json: assetBody(clientId, otherClientContactId) } }), 400, 'VALIDATION_FAILED', ['contact_id']],
      ['an id that is not an integer', () => ({ path: '/api/assets/abc', init: {} }), 400, 'VALIDATION_FAILED', ['id']],
      ['an id of zero', () => ({ path: '/api/assets/0', init: {} }), 400, 'VALIDATION_FAILED', ['id']],
      ['an id past 32 bits', () => ({ path: '/api/assets/2147483648', init: {} }), 400, 'VALIDATION_FAILED', ['id']],
      ['an id in exponent form', () => ({ path: '/api/assets/1e3', init: { method: 'PUT', json: { hostname: 'x' } } }), 400, 'VALIDATION_FAILED', ['id']],
      ['an unknown asset', () => ({ path: '/api/assets/2147483647', init: { method: 'PUT', json: { hostname: 'x' } } }), 404, 'ASSET_NOT_FOUND'],
      ['an empty update', () => ({ path: '/api/assets/1', init: { method: 'PUT', json: {} } }), 400, 'VALIDATION_FAILED'],
      ['a limit over 500', () => ({ path: '/api/assets?limit=501', init: {} }), 400, 'VALIDATION_FAILED', ['limit']],
      ['an unknown query parameter', () => ({ path: '/api/assets?colour=red', init: {} }), 400, 'VALIDATION_FAILED', ['colour']],
      ['a wrong method', () => ({ path: '/api/assets', init: { method: 'PATCH', json: {} } }), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [name, make, status, code, fields] of cases) {
      it(`${name} → ${status} ${code}`, async () => {
        const before = await assetTableDigest(t.db.pool);
        const { path, init } = make();
        const res = await t.call(path, { token: t.techToken, ...init });
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({ error: expect.any(String), code });
        if (fields) expect(res.body.fields.map((f: { field: string }) => f.field)).toEqual(fields);
        expect(await assetTableDigest(t.db.pool)).toBe(before);
      });
    }
  });
});
