import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where the browser tests write their screenshots (test-artifacts/ at the repository's root). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

/** Debian's `chromium` (apt-get install chromium), or CHROMIUM_PATH. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string | undefined {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path));
}

/**
 * Flags that keep Chromium off the network (the test machines have none):
 * no QUIC, no component updates, no sync, no background requests.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile directory, removed on close. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'd2s-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A new page for a browser test: every action waits at most `timeoutMs` (a missing element fails the test
 * instead of its hook timeout), each uncaught error on the page lands in `pageErrors` (the tests assert it
 * empty), and ARTIFACTS exists for the screenshots.
 */
export async function openTestPage(
  browser: Browser,
  options: { timeoutMs: number; pageErrors: string[] },
): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(options.timeoutMs);
  page.on('pageerror', (error) => options.pageErrors.push(error.message));
  await mkdir(ARTIFACTS, { recursive: true });
  return page;
}
