import fs from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';
import type { WidgetBody } from '../helpers/service-pair';
import { startTestService, type TestService } from '../helpers/test-service';
import { collectPageErrors, launchChromium, widgetRendered, widgetView } from './browser-kit';
import { buildFixture, LINK_TEMPLATES, type Fixture } from './fixture';

const NFR1_BUDGET_MS = 500;
const NFR1_LOADS = 5;

/** The technician's path through the demo: sign in, pick a ticket from the list, read the widget. */
describe('demo pages in Chromium', () => {
  let t: TestService;
  let fx: Fixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestService(LINK_TEMPLATES, async (db) => {
      fx = await buildFixture(db);
    });
    context = await browser.newContext({ viewport: { width: 960, height: 540 } });
    page = await context.newPage();
    errors = collectPageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });
  afterEach(() => {
    expect(errors, 'errors in the page').toEqual([]);
  });

  const apiWidget = async (ticket: number) => (await t.call(`/api/assets/widget/${ticket}`, { token: t.techToken })).body as WidgetBody;
  const openTicket = async (ticket: number) => {
    await page.goto(`${t.url}/ticket.html?id=${ticket}`);
    await widgetRendered(page);
  };

  it('signs in through the form and lists the newest tickets first, as the API does', async () => {
    await page.goto(t.url);
    await page.getByLabel('Email').fill('tech@test.local');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Email or password is incorrect' }).waitFor();

    await page.getByLabel('Password').fill('tech-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/tickets.html`);
    await page.locator('#tickets:not([hidden])').waitFor();
    const shown = await page.locator('#tickets tbody tr td:first-child').allTextContents();
    const api = (await t.call('/api/tickets?limit=50', { token: t.techToken })).body.tickets as Array<{ id: number }>;
    expect(shown).toEqual(api.map((ticket) => `#${ticket.id}`));
    expect(shown.slice(0, 3)).toEqual([fx.scullyTicket, fx.mulderTicket, fx.walkInTicket].map((id) => `#${id}`));
    // Each row's asset count, from the bulk route, equals the widget's total for that ticket.
    const counts = await page.locator('#tickets tbody tr td:nth-child(4)').allTextContents();
    const bulk = (await t.call(`/api/assets/widget?ticket_ids=${api.map((ticket) => ticket.id).join(',')}`, { token: t.techToken })).body;
    expect(counts).toEqual(api.map((ticket) => String(bulk.widgets[String(ticket.id)].total_assets)));
    expect(counts.slice(0, 3)).toEqual(['3', '0', '0']);
  });

  it('opens a ticket from the list: the widget shows the two assets the API answers, with badges and links', async () => {
    await page.getByRole('row', { name: new RegExp(`^#${fx.scullyTicket}\\b`) }).getByRole('link').click();
    await page.waitForURL(`${t.url}/ticket.html?id=${fx.scullyTicket}`);
    await widgetRendered(page);

    const api = await apiWidget(fx.scullyTicket);
    const view = await widgetView(page);
    expect(view.rows.map((row) => row.hostname)).toEqual(api.assets.map((asset) => asset.hostname));
    expect(view.rows.map((row) => row.hostname)).toEqual(['SCULLY-WS', 'SCULLY-LT']);
    expect(view.contact).toBe('Dana Scully');
    expect(view.more).toBe('+1 more not shown');
    expect(view.rows[0]!.badges[0]).toMatch(/^Warranty ends in 10 days \(\d{4}-\d{2}-\d{2}\)$/);
    expect(view.rows[1]!.badges).toEqual(['Warranty expired 2020-01-31', 'Status: active']);
    expect(view.rows[0]!.links).toEqual([
      { name: 'Open SCULLY-WS in ScreenConnect (new tab)', href: 'https://support.example.test/Host#Access/All%20Machines//sc-ws/Join' },
    ]);
    expect(view.rows[1]!.links.map((link) => link.href)).toEqual([
      'https://support.example.test/Host#Access/All%20Machines//sc-lt/Join',
      'https://pdq.example.test/devices/pdq-lt',
    ]);

    const region = page.getByRole('region', { name: 'Assets' });
    const list = region.getByRole('list', { name: 'Assets of Dana Scully' });
    expect(await list.getByRole('listitem').count()).toBe(2);
    expect(await region.getByRole('link', { name: 'Open SCULLY-LT in PDQ (new tab)' }).count()).toBe(1);

    await fs.mkdir(projectPath('test', 'artifacts'), { recursive: true });
    const screenshot = projectPath('test', 'artifacts', 'ticket-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    // docs/ticket-page.png is the README's picture; refreshed on request so a plain test run leaves docs/ alone.
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await fs.copyFile(screenshot, projectPath('docs', 'ticket-page.png'));
  });

  it('reaches every link with the keyboard, in reading order', async () => {
    await page.locator('body').focus();
    const focused: string[] = [];
    for (let i = 0; i < 8 && focused.length < 3; i++) {
      await page.keyboard.press('Tab');
      const link = page.locator('asset-widget a:focus');
      if ((await link.count()) === 1) focused.push((await link.getAttribute('aria-label'))!);
    }
    expect(focused).toEqual([
      'Open SCULLY-WS in ScreenConnect (new tab)',
      'Open SCULLY-LT in ScreenConnect (new tab)',
      'Open SCULLY-LT in PDQ (new tab)',
    ]);
  });

  it('opens the whole list in place from "+N more", with the keyboard, and closes it again', async () => {
    await openTicket(fx.scullyTicket);
    expect((await widgetView(page)).rows).toHaveLength(2);
    const more = page.locator('asset-widget button[aria-expanded]');
    await more.focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await widgetView(page)).rows.length).toBe(3);
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    const listed = (await t.call(`/api/contacts/${fx.scullyContact}/assets`, { token: t.techToken })).body.assets.map((a: { hostname: string }) => a.hostname);
    expect((await widgetView(page)).rows.map((row) => row.hostname)).toEqual(listed);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await widgetView(page)).rows.length).toBe(2);
    expect(await more.getAttribute('aria-expanded')).toBe('false');
  });

  it('is live: a change made by plain SQL appears on two open pages within a second, without a reload', async () => {
    const second = await context.newPage();
    try {
      await openTicket(fx.scullyTicket);
      await second.goto(`${t.url}/ticket.html?id=${fx.scullyTicket}`);
      await widgetRendered(second);
      const before = (await widgetView(page)).rows.map((row) => row.hostname);
      // Let both streams connect before the change.
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await t.db.pool.query(`UPDATE assets SET hostname = 'LIVE-' || hostname WHERE hostname = $1`, [before[0]]);
      for (const p of [page, second]) {
        await expect.poll(async () => (await widgetView(p)).rows[0]?.hostname, { timeout: 1_000, interval: 20 }).toBe(`LIVE-${before[0]}`);
      }
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await page.locator('asset-widget').evaluate((el) => el.shadowRoot!.querySelector('.notice')!.textContent)).toBe('Updated');
    } finally {
      await second.close();
      await t.db.pool.query(`UPDATE assets SET hostname = substr(hostname, 6) WHERE hostname LIKE 'LIVE-%'`);
    }
  });

  it('revalidates with the ETag on reload: the widget request answers 304, no body, and the widget shows the same', async () => {
    const statuses: number[] = [];
    const onResponse = (res: { url(): string; status(): number }) => {
      if (res.url().includes('/api/assets/widget/') && !res.url().endsWith('/events')) statuses.push(res.status());
    };
    page.on('response', onResponse);
    try {
      await page.goto(`${t.url}/tickets.html`);
      await page.evaluate('sessionStorage.clear()');
      await openTicket(fx.scullyTicket);
      const first = await widgetView(page);
      await page.reload();
      await widgetRendered(page);
      expect(await widgetView(page)).toEqual(first);
      expect(statuses).toEqual([200, 304]);
    } finally {
      page.off('response', onResponse);
    }
  });

  it('shows a hostname changed through the API once the page is reloaded, as text even when it looks like markup', async () => {
    const id = (await apiWidget(fx.scullyTicket)).assets[1]!.id;
    const hostname = '<img src=x onerror="window.pwned=1">LT-RENAMED';
    const res = await t.call(`/api/assets/${id}`, { method: 'PUT', token: t.techToken, json: { hostname } });
    expect(res.status).toBe(200);
    await page.reload();
    await widgetRendered(page);
    expect((await widgetView(page)).rows.map((row) => row.hostname)).toEqual(['SCULLY-WS', hostname]);
    expect(await page.locator('asset-widget img').count()).toBe(0);
    expect(await page.evaluate(() => 'pwned' in globalThis)).toBe(false);
  });

  it('shows the empty state for a contact without assets', async () => {
    await openTicket(fx.mulderTicket);
    expect(await apiWidget(fx.mulderTicket)).toEqual({ assets: [], contact_name: 'Fox Mulder', total_assets: 0 });
    expect(await widgetView(page)).toMatchObject({ contact: 'Fox Mulder', more: '', rows: [], message: 'No assets for Fox Mulder.' });
  });

  it('shows the no-contact state for a ticket without a contact', async () => {
    await openTicket(fx.walkInTicket);
    expect(await widgetView(page)).toMatchObject({ contact: '', rows: [], message: 'This ticket has no contact.' });
  });

  it(`NFR1: renders the widget within ${NFR1_BUDGET_MS} ms of navigation start on the demo data`, async () => {
    const figures: number[] = [];
    for (let i = 0; i < NFR1_LOADS; i++) {
      await openTicket(fx.scullyTicket);
      const [mark] = await page.evaluate(() => performance.getEntriesByName('asset-widget:rendered').map((e) => e.startTime));
      figures.push(Math.round(mark!));
    }
    console.log(`NFR1 widget rendered after navigation start: ${figures.join(', ')} ms (${NFR1_LOADS} loads, budget ${NFR1_BUDGET_MS} ms)`);
    expect(Math.max(...figures)).toBeLessThan(NFR1_BUDGET_MS);
  });

  it('signs out: back at the sign-in form, and the widget then asks to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${t.url}/`);
    await openTicket(fx.scullyTicket);
    expect(await widgetView(page)).toMatchObject({ rows: [], message: 'Sign in to see this ticket’s assets.' });
  });
});
