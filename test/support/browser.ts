/**
 * A real browser for the page tests: playwright-core driving Debian's `chromium` package (Playwright's
 * own browser downloads are not reachable here; .ci/run installs chromium with apt-get). CHROMIUM_PATH
 * overrides where it is. Pages may reach the app under test only: any other request is aborted and
 * recorded, and so is every Content-Security-Policy violation and page error.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

/** Why the browser tests cannot run here, or null. */
export function chromiumUnavailableReason(): string | null {
  return chromiumPath() ? null : 'no chromium binary (apt-get install -y chromium, or set CHROMIUM_PATH)';
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Screenshots of every run (an ignored folder). */
export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', '.local', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export interface Watched {
  readonly context: BrowserContext;
  /** Requests to anywhere but the app (aborted). */
  readonly outside: string[];
  /** CSP violations and uncaught page errors. */
  readonly errors: string[];
  newPage(): Promise<Page>;
}

/** A browser context that only reaches `appUrl`, recording whatever else a page tries. */
export async function watchedContext(
  browser: Browser,
  appUrl: string,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Watched> {
  const context = await browser.newContext(options);
  const origin = new URL(appUrl).origin;
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route(
    (url) => url.origin !== origin && url.protocol !== 'data:',
    async (route) => {
      outside.push(route.request().url());
      await route.abort();
    },
  );
  return {
    context,
    outside,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        // HTTP errors the page handles (404, 412 …) are logged by Chromium too; keep policy violations.
        if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
          errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
      return page;
    },
  };
}
