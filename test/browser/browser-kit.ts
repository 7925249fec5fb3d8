import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// No GPU, no sandbox (we run as root), and nothing that reaches the network on its own.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's chromium, driven by playwright-core (which never downloads a browser). A missing browser fails the
 * run instead of skipping it, so a green run always includes the browser tests.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM}, and it is missing. Install it with: bash .ci/browser-deps`);
  }
  // launch() starts the browser on a fresh temporary --user-data-dir (mkdtemp) and deletes it on close.
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 30_000 });
}

/**
 * Uncaught page errors and console errors, Content Security Policy and Trusted Types refusals among them. The
 * browser's own "Failed to load resource" lines are left out: some tests provoke 401 and 404 on purpose.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  return errors;
}

/** Resolves once the widget on the page has rendered something other than its loading state. */
export async function widgetRendered(page: Page): Promise<void> {
  await page.locator('asset-widget section[aria-busy="false"]').waitFor({ timeout: 10_000 });
}

export interface WidgetView {
  contact: string;
  more: string;
  message: string | null;
  rows: Array<{ hostname: string; badges: string[]; links: Array<{ name: string | null; href: string }> }>;
}

/** What the widget shows, read from its shadow root as text and attributes. */
export function widgetView(page: Page): Promise<WidgetView> {
  return page.locator('asset-widget').evaluate((widget) => {
    const root = widget.shadowRoot!;
    const text = (node: { textContent: string | null } | null) => node?.textContent ?? '';
    return {
      contact: text(root.querySelector('.contact')),
      more: text(root.querySelector('.more')),
      message: root.querySelector('.state') ? text(root.querySelector('.state')) : null,
      rows: [...root.querySelectorAll('li')].map((li) => ({
        hostname: text(li.querySelector('.host')),
        badges: [...li.querySelectorAll('.badges > .badge')].map(text),
        links: [...li.querySelectorAll('a')].map((a) => ({ name: a.getAttribute('aria-label'), href: a.getAttribute('href')! })),
      })),
    };
  });
}
