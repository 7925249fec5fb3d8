import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeClient, makeContact, makeTicket } from '../helpers/factories';
import { startTestService, type TestService } from '../helpers/test-service';
import { collectPageErrors, launchChromium, widgetRendered, widgetView } from './browser-kit';

/** The widget's loading, error and link-less states, on a small factory-built dataset and no link templates. */
/** The widget's answers, not its live stream (a route that fetches an endless stream would never finish). */
const widgetAnswer = (url: URL) => url.pathname.startsWith('/api/assets/widget/') && !url.pathname.endsWith('/events');

describe('<asset-widget> states in Chromium', () => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let ticket: number;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestService();
    const client = (await makeClient(t.db.pool)).id;
    const contact = await makeContact(t.db.pool, client, 'Walter Skinner');
    ticket = (await makeTicket(t.db.pool, client, contact.id)).id;
    await t.db.pool.query(
      `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date, screenconnect_session_id, pdq_device_id)
       VALUES ('SKINNER-1', $1, $2, '2024-01-01', NULL, 'sc-1', 'pdq-1'), ('SKINNER-2', $1, $2, '2024-01-01', NULL, NULL, NULL)`,
      [client, contact.id],
    );
    context = await browser.newContext({ baseURL: t.url });
    const login = await context.request.post('/api/auth/login', { data: { email: 'tech@test.local', password: 'tech-password' } });
    expect(login.status()).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });
  beforeEach(async () => {
    page = await context.newPage();
    errors = collectPageErrors(page);
  });
  afterEach(async () => {
    await page.close();
    expect(errors, 'errors in the page').toEqual([]);
  });

  const widgetBox = async () => (await page.locator('asset-widget').boundingBox())!;

  it('is busy and reserves two rows while loading, so nothing moves when the assets arrive', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(widgetAnswer, async (route: Route) => {
      await held;
      await route.continue();
    });
    await page.goto(`/ticket.html?id=${ticket}`);
    const busy = page.locator('asset-widget section[aria-busy="true"]');
    await busy.waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Loading assets…' }).count()).toBe(1);
    const loading = await widgetBox();
    release();
    await widgetRendered(page);
    const view = await widgetView(page);
    expect(view.rows.map((row) => row.hostname).sort()).toEqual(['SKINNER-1', 'SKINNER-2']);
    expect(await widgetBox()).toEqual(loading);
  });

  it('shows no warranty badge for a null date, and no links while no URL template is configured', async () => {
    expect((await t.call('/api/ui/config', { token: t.techToken })).body).toEqual({
      screenconnect_url_template: null,
      pdq_url_template: null,
    });
    await page.goto(`/ticket.html?id=${ticket}`);
    await widgetRendered(page);
    const { rows } = await widgetView(page);
    expect(rows.map((row) => row.badges)).toEqual([['Status: active'], ['Status: active']]);
    expect(rows.flatMap((row) => row.links)).toEqual([]);
  });

  it('says "ticket not found" for an unknown ticket', async () => {
    await page.goto('/ticket.html?id=2000000000');
    await widgetRendered(page);
    expect((await widgetView(page)).message).toBe('Ticket not found.');
  });

  it('says "could not load" on any other failure, and its Retry button loads again', async () => {
    let failures = 1;
    await page.route(widgetAnswer, (route: Route) =>
      failures-- > 0 ? route.fulfill({ status: 503, json: { error: 'down', code: 'SERVICE_UNAVAILABLE' } }) : route.continue(),
    );
    await page.goto(`/ticket.html?id=${ticket}`);
    await widgetRendered(page);
    expect((await widgetView(page)).message).toBe('Could not load assets.Retry');
    await page.locator('asset-widget').getByRole('button', { name: 'Retry' }).click();
    await page.locator('asset-widget li').first().waitFor();
    expect((await widgetView(page)).rows).toHaveLength(2);
  });

  it('says "May be out of date" only when the answer is marked stale (Cache-Status detail=stale), keeping its size', async () => {
    const notice = () => page.locator('asset-widget').evaluate((widget) => widget.shadowRoot!.querySelector('.notice')?.textContent ?? null);
    await page.goto(`/ticket.html?id=${ticket}`);
    await widgetRendered(page);
    expect(await notice()).toBe('');
    const fresh = await widgetBox();

    // What the service sends from its snapshot while the database is unreachable (grace).
    await page.route(widgetAnswer, async (route: Route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'cache-status': 'asset-cache; hit; ttl=-42; detail=stale' } });
    });
    await page.reload();
    await widgetRendered(page);
    expect(await notice()).toBe('May be out of date');
    expect((await widgetView(page)).rows.map((row) => row.hostname).sort()).toEqual(['SKINNER-1', 'SKINNER-2']);
    expect(await widgetBox()).toEqual(fresh);

    // A hit or a miss is not stale.
    for (const cacheStatus of ['asset-cache; hit', 'asset-cache; fwd=miss']) {
      await page.unrouteAll();
      await page.route(widgetAnswer, async (route: Route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'cache-status': cacheStatus } });
      });
      await page.reload();
      await widgetRendered(page);
      expect(await notice(), cacheStatus).toBe('');
    }
  });

  it('lets the browser change data with the session cookie from our own pages (the CSRF check passes)', async () => {
    const { rows } = await t.db.pool.query<{ id: number }>(`SELECT id FROM assets WHERE hostname = 'SKINNER-2'`);
    await page.goto('/tickets.html');
    const status = await page.evaluate(async (id) => {
      const res = await fetch(`/api/assets/${id}`, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'Changed in the browser' }),
      });
      return res.status;
    }, rows[0]!.id);
    expect(status).toBe(200);
    expect((await t.call(`/api/assets/${rows[0]!.id}`, { token: t.techToken })).body.model).toBe('Changed in the browser');
  });

  it('serves the pages with a policy that allows only their own scripts and no markup sinks', async () => {
    const res = await page.goto('/ticket.html?id=1');
    const policy = (await res!.allHeaders())['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("require-trusted-types-for 'script'");
    const refused = await page.evaluate(() => {
      try {
        const probe = (globalThis as unknown as { document: { createElement(tag: string): { innerHTML: string } } }).document;
        probe.createElement('div').innerHTML = '<b>data</b>';
        return false;
      } catch {
        return true;
      }
    });
    expect(refused).toBe(true);
    errors.length = 0; // the refusal above is also reported on the console, as intended
  });
});
