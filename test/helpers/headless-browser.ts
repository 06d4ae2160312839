/**
 * Opens a report file in a real browser: Debian's Chromium driven headless by playwright-core (which never downloads
 * a browser of its own; it only talks to the executable named here). Every request that is not `file:` or `data:` is
 * aborted and recorded, so a report that would reach the network fails its test instead of phoning home. Each
 * browser gets a fresh profile folder, removed on close.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, private, offline browser: no sandbox (tests run as root), no background calls home. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Whether the browser tests can run, and if not why. */
export interface ChromiumStatus {
  /** The browser executable, when there is one. */
  executable: string | undefined;
  /** Why the browser tests are skipped (only ever set outside CI). */
  skipReason: string | undefined;
}

let ensured: Promise<ChromiumStatus> | undefined;

/**
 * Makes sure Chromium is installed: installs Debian's `chromium` with apt-get when it is missing and this process may
 * (root, apt-get present). Outside CI a browser that cannot be had skips the browser tests with the reason; under
 * CI=true it throws, so CI never passes by silently skipping them.
 */
export function ensureChromium(): Promise<ChromiumStatus> {
  ensured ??= findOrInstallChromium();
  return ensured;
}

async function findOrInstallChromium(): Promise<ChromiumStatus> {
  if (existsSync(CHROMIUM_PATH)) return { executable: CHROMIUM_PATH, skipReason: undefined };
  let why: string;
  if (process.getuid?.() !== 0) why = 'not root, so apt-get cannot install it';
  else if (!existsSync('/usr/bin/apt-get')) why = 'no apt-get on this machine';
  else {
    try {
      const run = promisify(execFile);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      // Another test file may be installing at the same moment: wait for the dpkg lock instead of failing on it.
      const lock = ['-o', 'DPkg::Lock::Timeout=300'];
      await run('apt-get', [...lock, 'update', '-qq'], { env, timeout: 600_000 });
      await run('apt-get', [...lock, 'install', '-y', '-qq', 'chromium'], { env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
      if (existsSync(CHROMIUM_PATH)) return { executable: CHROMIUM_PATH, skipReason: undefined };
      why = `apt-get installed chromium but ${CHROMIUM_PATH} is missing`;
    } catch (err) {
      why = `apt-get install chromium failed (${(err as Error).message.split('\n')[0]})`;
    }
  }
  const message = `Chromium is not installed at ${CHROMIUM_PATH}: ${why}`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI must run the browser tests (.ci/run installs chromium)`);
  return { executable: undefined, skipReason: `${message}; browser tests skipped` };
}

/** How to open the page. */
export interface OpenOptions {
  /** Write a full-page PNG screenshot here once the page has loaded (folders are created). */
  screenshot?: string;
  /** Emulated `prefers-color-scheme`; default light. */
  colorScheme?: 'light' | 'dark';
  /** Viewport width in CSS pixels; default 1100. */
  width?: number;
}

/** An open page and what happened while it loaded. */
export interface OpenedPage {
  /** The loaded page, for queries (`page.locator`, `page.evaluate`). */
  page: Page;
  /** Console messages of type error and uncaught page errors (a CSP violation shows up here too). */
  consoleErrors: string[];
  /** Requests that failed on their own (a missing file), not counting the ones this harness blocked. */
  failedRequests: string[];
  /** Requests this harness aborted because they were neither `file:` nor `data:`. */
  blockedRequests: string[];
  /** Time from navigation start to the load event, in ms, as the page measured it. */
  loadMs: number;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/** Opens `htmlFile` from disk in headless Chromium with the network blocked; call `ensureChromium()` first. */
export async function openInBrowser(htmlFile: string, options: OpenOptions = {}): Promise<OpenedPage> {
  const status = await ensureChromium();
  if (status.executable === undefined) throw new Error(status.skipReason);
  const profile = await mkdtemp(join(tmpdir(), 'pinsync-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: status.executable,
      headless: true,
      args: CHROMIUM_FLAGS,
      colorScheme: options.colorScheme ?? 'light',
      viewport: { width: options.width ?? 1100, height: 800 },
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    const blockedRequests: string[] = [];
    const failedRequests: string[] = [];
    const consoleErrors: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      blockedRequests.push(url);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`${err.name}: ${err.message}`));
    page.on('requestfailed', (request) => {
      if (!blockedRequests.includes(request.url())) failedRequests.push(`${request.url()} (${request.failure()?.errorText ?? 'failed'})`);
    });
    await page.goto(pathToFileURL(resolve(htmlFile)).href, { waitUntil: 'load' });
    // A string, not a function: the project compiles without the DOM types this runs against.
    const loadMs = Number(await page.evaluate(`(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd - n.startTime : NaN; })()`));
    if (options.screenshot !== undefined) {
      await mkdir(dirname(options.screenshot), { recursive: true });
      await page.screenshot({ path: options.screenshot, fullPage: true });
    }
    const opened = context;
    return {
      page,
      consoleErrors,
      failedRequests,
      blockedRequests,
      loadMs,
      close: async () => {
        await opened.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
