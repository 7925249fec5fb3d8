import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('conditional requests on assets: ETag, 304, If-Match, no lost updates', () => {
  let t: TestService;
  let strict: TestService;
  let client: number;
  let contact: number;

  beforeAll(async () => {
    [t, strict] = await Promise.all([startTestService(), startTestService({ REQUIRE_IF_MATCH: 'true' })]);
    client = (await makeClient(t.db.pool)).id;
    contact = (await makeContact(t.db.pool, client)).id;
  });
  afterAll(() => Promise.all([t.stop(), strict.stop()]));

  const create = async (svc = t, owner = { client, contact }) =>
    (await svc.call('/api/assets', { method: 'POST', token: svc.techToken, json: assetBody(owner.client, owner.contact) })).body as {
      id: number;
      version: string;
    };
  const dbRow = async (id: number, svc = t) =>
    (await svc.db.pool.query('SELECT model, status, version::text FROM assets WHERE id = $1', [id])).rows[0] as
      | { model: string; status: string; version: string }
      | undefined;

  it('sends the row version as a strong ETag and answers 304 to a matching If-None-Match', async () => {
    const asset = await create();
    const first = await t.call(`/api/assets/${asset.id}`, { token: t.techToken });
    expect(first.headers.get('etag')).toBe(`"v${asset.version}"`);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await t.call(`/api/assets/${asset.id}`, { token: t.techToken, headers: { 'if-none-match': `"v${asset.version}"` } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'changed' } });
    const changed = await t.call(`/api/assets/${asset.id}`, { token: t.techToken, headers: { 'if-none-match': `"v${asset.version}"` } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(`"v${asset.version}"`);
  });

  it('refuses a PUT with a stale If-Match with 412 and the current version, and writes nothing', async () => {
    const asset = await create();
    const ok = await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'first' }, headers: { 'if-match': `"v${asset.version}"` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe(`"v${ok.body.version}"`);
    const late = await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'second' }, headers: { 'if-match': `"v${asset.version}"` } });
    expect(late.status).toBe(412);
    expect(late.body).toMatchObject({ code: 'PRECONDITION_FAILED', current_version: ok.body.version });
    expect(late.headers.get('etag')).toBe(`"v${ok.body.version}"`);
    expect(await dbRow(asset.id)).toMatchObject({ model: 'first', version: ok.body.version });
  });

  it('lets exactly one of two concurrent PUTs with the same version win', async () => {
    for (let round = 0; round < 5; round++) {
      const asset = await create();
      const put = (model: string) =>
        t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model }, headers: { 'if-match': `"v${asset.version}"` } });
      const results = await Promise.all([put('left'), put('right')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!.body.model;
      expect((await dbRow(asset.id))!.model).toBe(winner);
    }
  });

  it('checks If-Match on an ownership change (the locked read) as well', async () => {
    const asset = await create();
    await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'moved on' } });
    const res = await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { contact_id: null }, headers: { 'if-match': `"v${asset.version}"` } });
    expect(res.status).toBe(412);
    expect((await t.db.pool.query('SELECT contact_id FROM assets WHERE id = $1', [asset.id])).rows[0].contact_id).toBe(contact);
  });

  it('honours If-Match on retire and on permanent delete; weak or foreign tags never match; * does', async () => {
    const asset = await create();
    for (const tag of [`W/"v${asset.version}"`, '"something-else"', `"v${Number(asset.version) + 1}"`]) {
      expect((await t.call(`/api/assets/${asset.id}`, { method: 'DELETE', token: t.techToken, headers: { 'if-match': tag } })).status).toBe(412);
    }
    expect((await dbRow(asset.id))!.status).toBe('active');
    const retired = await t.call(`/api/assets/${asset.id}`, { method: 'DELETE', token: t.techToken, headers: { 'if-match': `"v1", "v${asset.version}"` } });
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    expect((await t.call(`/api/assets/${asset.id}/permanent`, { method: 'DELETE', token: t.adminToken, headers: { 'if-match': `"v${asset.version}"` } })).status).toBe(412);
    expect(await dbRow(asset.id)).toBeDefined();
    expect((await t.call(`/api/assets/${asset.id}/permanent`, { method: 'DELETE', token: t.adminToken, headers: { 'if-match': '*' } })).status).toBe(204);
    expect(await dbRow(asset.id)).toBeUndefined();
    expect((await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'x' }, headers: { 'if-match': `"v${asset.version}"` } })).status).toBe(404);
  });

  it('keeps unconditional writes working by default and requires If-Match with REQUIRE_IF_MATCH=true (428)', async () => {
    const asset = await create();
    expect((await t.call(`/api/assets/${asset.id}`, { method: 'PUT', token: t.techToken, json: { model: 'free' } })).status).toBe(200);
    const c = (await makeClient(strict.db.pool)).id;
    const own = await create(strict, { client: c, contact: (await makeContact(strict.db.pool, c)).id });
    for (const [method, path] of [['PUT', ''], ['DELETE', ''], ['DELETE', '/permanent']] as const) {
      const res = await strict.call(`/api/assets/${own.id}${path}`, { method, token: strict.adminToken, json: method === 'PUT' ? { model: 'x' } : undefined });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 428, 'PRECONDITION_REQUIRED']);
    }
    expect(await dbRow(own.id, strict)).toMatchObject({ status: 'active', version: own.version });
    const put = await strict.call(`/api/assets/${own.id}`, { method: 'PUT', token: strict.techToken, json: { model: 'y' }, headers: { 'if-match': `"v${own.version}"` } });
    expect(put.status).toBe(200);
  });

  it('answers RFC 9457 problem details when the client asks for application/problem+json', async () => {
    const plain = await t.call('/api/assets/999999', { token: t.techToken });
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(plain.body).toEqual({ error: 'Asset not found', code: 'ASSET_NOT_FOUND' });
    const problem = await t.call('/api/assets', { method: 'POST', token: t.techToken, json: { hostname: '' }, headers: { accept: 'application/problem+json' } });
    expect(problem.status).toBe(400);
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem.body).toMatchObject({ type: 'urn:asset-widget-cache:error:VALIDATION_FAILED', title: 'Request validation failed', status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.body.detail).toMatch(/hostname/);
    expect(problem.body.fields.map((f: { field: string }) => f.field)).toContain('client_id');
    const unauth = await t.call('/api/assets', { headers: { accept: 'application/problem+json, application/json;q=0.5' } });
    expect(unauth.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
