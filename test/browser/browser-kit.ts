import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectPath } from '../../src/paths';

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

/** The npm package that ships the browser: a brotli-compressed chrome-headless-shell for x64 Linux. */
const PACKAGE_DIR = projectPath('node_modules', '@sparticuz', 'chromium');

export interface ChromiumBinary {
  executablePath: string;
  /** Where it came from, for messages: CHROMIUM_PATH or the npm package and its version. */
  source: string;
  /** Set when the browser needs the package's own copies of NSS/NSPR/expat (a machine without them). */
  libraryPath?: string;
}

/** Writes `target` whole or not at all, so two test files inflating at once never run a half-written file. */
async function inflateOnce(source: string, target: string, mode: number): Promise<void> {
  if (fs.existsSync(target)) return;
  const partial = `${target}.${process.pid}.partial`;
  try {
    await pipeline(fs.createReadStream(source), zlib.createBrotliDecompress(), fs.createWriteStream(partial, { mode }));
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Shared libraries the binary names that the dynamic loader cannot find here (empty when `ldd` is missing). */
function missingLibraries(executable: string): string[] {
  const ldd = spawnSync('ldd', [executable], { encoding: 'utf8' });
  if (ldd.status !== 0) return [];
  return ldd.stdout.split('\n').filter((line) => line.includes('not found')).map((line) => line.trim().split(' ')[0]!);
}

/** The package's lib/ folder (built for Amazon Linux 2023, runs on Debian 12), unpacked once beside the browser. */
async function packagedLibraries(cacheDir: string): Promise<string> {
  const libDir = path.join(cacheDir, 'lib');
  if (fs.existsSync(libDir)) return libDir;
  const tarFile = path.join(cacheDir, 'al2023.tar');
  await inflateOnce(path.join(PACKAGE_DIR, 'bin', 'al2023.tar.br'), tarFile, 0o644);
  const staging = fs.mkdtempSync(path.join(cacheDir, 'lib-'));
  const tar = spawnSync('tar', ['-xf', tarFile, '-C', staging], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`could not unpack ${tarFile}: ${tar.stderr}`);
  try {
    fs.renameSync(path.join(staging, 'lib'), libDir);
  } catch (err) {
    if (!fs.existsSync(libDir)) throw err;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(tarFile, { force: true });
  return libDir;
}

/**
 * The browser the tests drive. `CHROMIUM_PATH` names one already on the machine (e.g. Debian's
 * /usr/bin/chromium); otherwise it comes from the pinned npm devDependency @sparticuz/chromium, which `npm
 * install` brings like any package: its compressed binary is unpacked once into node_modules/.cache (about
 * 200 MB, 2 s) and reused. Nothing is downloaded: we read the package's files ourselves rather than call its
 * executablePath(), which unpacks to a fixed /tmp path shared by every project and version.
 */
export async function resolveChromium(): Promise<ChromiumBinary> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv}: no such file. Unset it to use the browser from the npm package.`);
    return { executablePath: fromEnv, source: 'CHROMIUM_PATH' };
  }
  const manifest = path.join(PACKAGE_DIR, 'package.json');
  if (!fs.existsSync(manifest)) {
    throw new Error('The browser tests need the devDependency @sparticuz/chromium: run npm install (or set CHROMIUM_PATH to a Chromium).');
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`@sparticuz/chromium ships a browser for x64 Linux only; on ${process.platform}/${process.arch} set CHROMIUM_PATH to a Chromium.`);
  }
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  const cacheDir = projectPath('node_modules', '.cache', `sparticuz-chromium-${version}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const executablePath = path.join(cacheDir, 'chromium');
  await inflateOnce(path.join(PACKAGE_DIR, 'bin', 'chromium.br'), executablePath, 0o755);
  const source = `@sparticuz/chromium ${version}`;
  if (missingLibraries(executablePath).length === 0) return { executablePath, source };
  return { executablePath, source, libraryPath: await packagedLibraries(cacheDir) };
}

/**
 * Chromium driven by playwright-core (which never downloads a browser): see resolveChromium. A browser that
 * cannot start fails the run instead of skipping it, so a green run always includes the browser tests.
 */
export async function launchChromium(): Promise<Browser> {
  const binary = await resolveChromium();
  const env = binary.libraryPath
    ? { ...process.env, LD_LIBRARY_PATH: [binary.libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
    : undefined;
  try {
    // launch() starts the browser on a fresh temporary --user-data-dir (mkdtemp) and deletes it on close.
    return await chromium.launch({ executablePath: binary.executablePath, args: ARGS, headless: true, timeout: 30_000, ...(env && { env }) });
  } catch (err) {
    throw new Error(`Chromium (${binary.source}, ${binary.executablePath}) did not start: ${(err as Error).message}`);
  }
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
