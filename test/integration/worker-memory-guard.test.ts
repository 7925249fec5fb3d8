import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetBody, makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';

describe('cache worker memory guard', () => {
  let t: TestService;
  beforeAll(async () => {
    // A heap limit no worker can live within: it dies of it at once, every time it is restarted.
    t = await startTestService({ CACHE_WORKER_MAX_HEAP_MB: '1', CACHE_WARM_TIMEOUT_MS: '1500' });
  });
  afterAll(() => t.stop());

  it('restarts the worker, counts it, and answers the widget from SQL meanwhile', async () => {
    const client = (await makeClient(t.db.pool)).id;
    const contact = await makeContact(t.db.pool, client);
    const ticket = (await makeTicket(t.db.pool, client, contact.id)).id;
    const asset = (await t.call('/api/assets', { method: 'POST', token: t.techToken, json: assetBody(client, contact.id) })).body;
    const widget = await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken });
    expect(widget.status).toBe(200);
    expect(widget.body).toMatchObject({ total_assets: 1, assets: [{ id: asset.id }] });
    // Ready all the same: SQL answers the widget; the body says the cache is not.
    const readyz = await t.call('/readyz');
    expect(readyz).toMatchObject({ status: 200, body: { status: 'ready', database: 'reachable' } });
    expect(readyz.body.cache).not.toBe('ready');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/asset_cache_ready 0/);
    const stats = await t.call('/api/assets/cache/stats', { token: t.techToken });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ worker_available: false, state: expect.not.stringMatching(/^ready$/) });
    expect(stats.body.worker_restarts).toBeGreaterThanOrEqual(1);
    expect(stats.body.misses).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/asset_cache_worker_restarts_total [1-9]/);
  });
});
