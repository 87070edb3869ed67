import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MirrorTableState, RequestError } from '@d2s/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, type Browser, findChromium, launchChromium, openTestPage } from './support/browser.js';
import { API_TOKEN, LOAD_DATASETS } from './support/sync-stack.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = findChromium();

if (!chromiumPath && process.env.CI) {
  throw new Error('test/web.e2e.test.ts: Chromium not found at /usr/bin/chromium (apt-get install chromium) in CI');
}

/** Markup where the page shows configuration or API data: it must appear as text and never run. */
const HOSTILE = `<img src=x onerror="window.__xss=1"><b>bold</b>`;

/** LOAD_DATASETS plus one that is never synced: a parameter of each kind, one described in markup. */
const DATASETS_YAML = `${LOAD_DATASETS}
  store_sales:
    description: Daily sales per store, for the planning team
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/store_sales }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: SHARED_FORECASTS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: STORE_SALES }
    load: { mode: replace }
    parameters:
      region: { type: string, enum: [emea, amer, apac], default: emea, description: '${HOSTILE}' }
      day: { type: date }
      stores: { type: integer }
`;

const at = '2026-11-23T03:00:00.000Z';
const snowflakeTable = (name: string, url?: string) => ({
  database: 'ANALYTICS_MIRROR',
  schema: 'SALES',
  name,
  qualifiedName: `ANALYTICS_MIRROR.SALES.${name}`,
  ...(url === undefined
    ? { url: `https://app.snowflake.com/acme/d2s/#/data/databases/ANALYTICS_MIRROR/schemas/SALES/table/${name}` }
    : { url }),
});
const mirrored = (
  id: string,
  table: string,
  status: MirrorTableState['status'],
  kind: string,
  lastError: MirrorTableState['lastError'] = null,
  url?: string,
): MirrorTableState => ({
  tableId: id,
  uc: { fullName: `main.sales.${table}` },
  snowflake: snowflakeTable(table.toUpperCase(), url),
  status,
  lastAction: { id: `${id}-a`, kind, runId: 'mirror_01', at },
  lastError,
  updatedAt: at,
});

const MIRROR_TABLES: MirrorTableState[] = [
  mirrored('t-1', 'orders', 'mirrored', 'create'),
  mirrored('t-2', 'order_lines', 'mirrored', 'refresh'),
  mirrored('t-3', 'returns', 'failed', 'refresh', {
    code: 'SNOWFLAKE_QUERY_FAILED',
    message: 'Catalog integration UC_SALES: the OAuth token was refused (401).',
  }),
];

const HOSTILE_MIRROR_TABLES: MirrorTableState[] = [
  mirrored(
    't-9',
    'evil',
    'failed',
    'refresh',
    { code: 'X', message: `${HOSTILE} refresh failed` },
    'javascript:window.__xss=2',
  ),
];

/** What /v1/mirror/tables answers; starts as "not configured". */
let mirrorTables: () => Promise<MirrorTableState[]> = async () => {
  throw new RequestError('MIRROR_NOT_CONFIGURED', 503, 'mirror.catalogs is not set in d2s.config.yaml.');
};

/**
 * The web page in headless Chromium against the whole stack in this process:
 * API + page, export and import workers, Databricks and Snowflake emulators.
 */
describe.skipIf(!chromiumPath)('web page (headless Chromium)', () => {
  let web: WebStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [web, browser] = await Promise.all([
      startWebStack({
        redisUrl: inject('redisUrl'),
        datasetsYaml: DATASETS_YAML,
        snowflake: true,
        mirror: { listTables: () => mirrorTables() },
      }),
      launchChromium(chromiumPath!),
    ]);
    const schedule = await web.stack.request('PUT', '/v1/schedules/nightly-forecasts', {
      kind: 'sync',
      dataset: 'forecasts_append',
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });
    expect(schedule.status).toBe(200);
    page = await openTestPage(browser, { timeoutMs: 15_000, pageErrors });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
  }, 60_000);

  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const live = (syncId: string) => page.locator(`article.live[data-sync-id="${syncId}"]`);
  /** Clicks "Sync data" on a dataset and returns the id of the sync the page starts following. */
  async function syncFromPage(dataset: string): Promise<string> {
    const before = await page.locator('article.live').count();
    await page.locator('li.dataset', { hasText: dataset }).getByRole('button', { name: 'Sync data' }).click();
    await expect.poll(() => page.locator('article.live').count()).toBe(before + 1);
    const syncId = await page.locator('article.live').first().getAttribute('data-sync-id');
    expect(syncId).toMatch(/\S/);
    return syncId!;
  }

  it('asks for the token, refuses a wrong one, then shows datasets, schedules and mirror state', async () => {
    await page.goto(web.url);
    const tokenField = page.getByLabel('API token');
    await expect.poll(() => tokenField.isVisible()).toBe(true);

    await tokenField.fill('not-the-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('The API token was not accepted').waitFor();

    await tokenField.fill(API_TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    await page.locator('li.dataset').first().waitFor();
    const names = await page.locator('li.dataset h3').allTextContents();
    expect(names).toEqual([
      'forecasts_append',
      'forecasts_replace',
      'forecasts_nowhere',
      'forecasts_no_data',
      'store_sales',
    ]);
    expect(await page.getByRole('button', { name: 'Sync data' }).count()).toBe(5);
    expect(await page.locator('li.dataset', { hasText: 'forecasts_append' }).textContent()).toContain(
      'D2S_SANDBOX.PUBLIC.FORECASTS_APPEND',
    );

    await page.getByRole('cell', { name: 'nightly-forecasts' }).waitFor();
    expect(await page.locator('#schedules').textContent()).toContain('0 3 * * *');
    await page.locator('#mirror').getByText('Mirror not configured').waitFor();
    expect(await page.locator('#mirror').textContent()).toContain('mirror.catalogs is not set');

    // The token lives in this tab's sessionStorage: a reload does not ask again.
    await page.reload();
    await page.locator('li.dataset').first().waitFor();
    expect(await page.getByLabel('API token').isVisible()).toBe(false);
  });

  it('loads the page as ES modules from one version directory, the shared event-stream reader among them', async () => {
    // What this page (reloaded by the test before) loaded, cache hits included.
    const loaded = (await page.evaluate(() =>
      performance.getEntriesByType('resource').map((entry) => entry.name),
    )) as string[];
    const modules = loaded
      .map((url) => /\/ui\/[\w-]{16}\/([\w-]+\.js)$/.exec(new URL(url).pathname)?.[1])
      .filter((name): name is string => name !== undefined);
    expect([...new Set(modules)].sort()).toEqual([
      'api.js',
      'app.js',
      'backfills-panel.js',
      'datasets-panel.js',
      'dom.js',
      'event-stream.js',
      'format.js',
      'live-panel.js',
      'mirror-panel.js',
      'mirror-plan-panel.js',
      'schedules-panel.js',
      'schema-changes.js',
      'syncs-panel.js',
    ]);
  });

  it('starts a sync with "Sync data" and follows it over SSE to "Sync complete" with files and rows', async () => {
    const syncId = await syncFromPage('forecasts_append');
    // Usually mid-way (queued or exporting): an artifact to look at, not an assertion.
    await live(syncId).screenshot({ path: join(ARTIFACTS, 'web-progress.png') });
    await live(syncId).getByText('Sync complete', { exact: true }).waitFor({ timeout: 60_000 });

    const message = await live(syncId).getByRole('status').textContent();
    expect(message).toBe('Sync complete: 4 files, 10,000 rows loaded.');
    const stats = await live(syncId).locator('.stats').textContent();
    expect(stats).toContain('Files4');
    expect(stats).toContain('Rows loaded10,000');
    // Every stage was reached, with the time the stream reported it.
    expect(await live(syncId).locator('.step-done').count()).toBe(5);
    expect(await live(syncId).locator('.step-time').count()).toBe(5);

    const api = await web.stack.request('GET', `/v1/syncs/${syncId}`);
    expect(api.body.status).toBe('succeeded');
    const runLink = live(syncId).getByRole('link', { name: `Run ${api.body.databricks.runId}` });
    expect(await runLink.getAttribute('href')).toBe(api.body.databricks.runPageUrl);

    // The recent syncs list picks it up.
    const row = page.locator(`#syncs tr[data-sync-id="${syncId}"]`);
    await row.getByText('succeeded').waitFor();
    expect(await row.textContent()).toContain('10,000');
  });

  it('shows a failed sync with its error code, message and Databricks run link', async () => {
    const syncId = await syncFromPage('forecasts_nowhere');
    await live(syncId).locator('.notice-error').getByText('Sync failed').waitFor({ timeout: 60_000 });

    const api = await web.stack.request('GET', `/v1/syncs/${syncId}`);
    expect(api.body.status).toBe('failed');
    expect(api.body.error.details.snowflakeCode).toBe('002003');
    const error = live(syncId).locator('.notice-error');
    expect(await error.locator('.error-code').textContent()).toBe(api.body.error.code);
    expect(await error.locator('.error-message').textContent()).toBe(api.body.error.message);
    expect(api.body.error.message).toMatch(/does not exist/);
    expect(await error.textContent()).toContain('002003');
    expect(await live(syncId).locator('.step-failed .step-label').textContent()).toBe('Import');
    const runLink = live(syncId).getByRole('link', { name: `Run ${api.body.databricks.runId}` });
    expect(await runLink.getAttribute('href')).toBe(api.body.databricks.runPageUrl);
    expect(await runLink.getAttribute('rel')).toBe('noopener noreferrer');
    await live(syncId).getByRole('button', { name: 'Retry' }).waitFor();

    const row = page.locator(`#syncs tr[data-sync-id="${syncId}"]`);
    await row.getByText('failed', { exact: true }).waitFor();
    expect(await row.textContent()).toContain(api.body.error.code);
  });

  it('shows the failed Databricks tasks of a failed run with each error and the head of its trace', async () => {
    web.stack.databricks.admin.addRunFault({ job_id: 1001, outcome: 'FAILED', message: `${HOSTILE} no forecasts` });
    const syncId = await syncFromPage('forecasts_append');
    await live(syncId).locator('.notice-error').getByText('Sync failed').waitFor({ timeout: 60_000 });

    const api = await web.stack.request('GET', `/v1/syncs/${syncId}`);
    expect(api.body.error.code).toBe('DATABRICKS_RUN_FAILED');
    const [reported] = api.body.error.failedTasks;
    expect(reported).toMatchObject({ taskKey: 'export_shared_forecasts', resultState: 'FAILED' });
    const task = live(syncId).locator('.failed-task[data-task-key="export_shared_forecasts"]');
    expect(await task.locator('.task-key').textContent()).toBe('export_shared_forecasts');
    expect(await task.locator('.task-result').textContent()).toBe('FAILED');
    // Databricks' words reach the page as text, never as markup.
    expect(await task.locator('.task-error').textContent()).toBe(`${HOSTILE} no forecasts`);
    const trace = await task.locator('.task-trace').textContent();
    expect(trace?.split('\n').slice(0, reported.errorTraceHead.length)).toEqual(reported.errorTraceHead);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    // Leaves the page as it found it: the next test counts the followed syncs.
    await live(syncId).getByRole('button', { name: 'Dismiss' }).click();
  });

  it('follows several running syncs at once: three event streams, the rest polled', async () => {
    const polled = new Set<string>();
    const onRequest = (request: { url(): string }) => {
      const match = /\/v1\/syncs\/(sync_[^/?]+)$/.exec(new URL(request.url()).pathname);
      if (match) polled.add(match[1]!);
    };
    page.on('request', onRequest);
    const exportWorker = web.stack.workers[0]!;
    await exportWorker.pause();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 4; i++) ids.push(await syncFromPage('forecasts_append'));
      // The fourth sync is past the three streams: it is polled while the others stream.
      await expect.poll(() => polled.has(ids[3]!), { timeout: 10_000 }).toBe(true);
      expect(ids.slice(0, 3).some((id) => polled.has(id))).toBe(false);
      await live(ids[3]!).getByText('Queued: waiting for an export worker…').waitFor();
    } finally {
      exportWorker.resume();
    }
    for (const id of ids) await live(id).getByText('Sync complete', { exact: true }).waitFor({ timeout: 60_000 });
    page.off('request', onRequest);
    for (const id of ids) await live(id).getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.locator('article.live').count()).toBe(2);
  });

  it("draws Cancel and Retry from the sync's links, not from its status, and posts to the linked URL", async () => {
    // A scripted answer and stream, so links and status can disagree: the page must follow the links.
    const fake = (id: string, status: string, links: Record<string, string>) => ({
      id,
      dataset: 'forecasts_append',
      status,
      parameters: {},
      databricks: {},
      timings: { createdAt: new Date().toISOString(), durationsMs: {} },
      links: { self: `/v1/syncs/${id}`, events: `/v1/syncs/${id}/events`, ...links },
    });
    const stream = (view: object, end: boolean) =>
      `retry: 60000\nid: x.000000000000\nevent: status\ndata: ${JSON.stringify(view)}\n\n` +
      (end ? `id: x.000000000000.end\nevent: end\ndata: {}\n\n` : '');
    const posted: string[] = [];
    const scripts = new Map<string, { view: object; end: boolean }>([
      ['sync_LINKS_FAILED', { view: fake('sync_LINKS_FAILED', 'failed', {}), end: true }],
      [
        'sync_LINKS_RUNNING',
        { view: fake('sync_LINKS_RUNNING', 'exporting', { retry: '/v1/syncs/sync_LINKS_FAILED/retry' }), end: false },
      ],
    ]);
    const order = ['sync_LINKS_FAILED', 'sync_LINKS_RUNNING'];
    await page.route('**/v1/syncs', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const script = scripts.get(order.shift()!)!;
      await route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify(script.view) });
    });
    await page.route(/\/v1\/syncs\/sync_LINKS_\w+\/(events|retry|cancel)$/, async (route) => {
      const [, id, action] = /\/v1\/syncs\/(sync_LINKS_\w+)\/(\w+)$/.exec(new URL(route.request().url()).pathname)!;
      if (action !== 'events') {
        posted.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`);
        return route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: '{"error":{"code":"SCRIPTED","message":"scripted"}}',
        });
      }
      const script = scripts.get(id!)!;
      await route.fulfill({ status: 200, contentType: 'text/event-stream', body: stream(script.view, script.end) });
    });
    try {
      // Failed, but the API linked no retry: no Retry button (the status alone would have drawn one).
      const failed = await syncFromPage('forecasts_append');
      expect(failed).toBe('sync_LINKS_FAILED');
      await live(failed).getByText('Sync failed').first().waitFor();
      await live(failed).getByRole('button', { name: 'Dismiss' }).waitFor();
      expect(await live(failed).getByRole('button', { name: 'Retry' }).count()).toBe(0);

      // Running, with only a retry link: Retry and no Cancel; Retry posts to the linked URL.
      const running = await syncFromPage('forecasts_append');
      expect(running).toBe('sync_LINKS_RUNNING');
      await live(running).getByText('Exporting: the Databricks job is running…').waitFor();
      expect(await live(running).locator('.live-actions button').allTextContents()).toEqual(['Retry']);
      await live(running).getByRole('button', { name: 'Retry' }).click();
      await live(running).getByText('Retry failed: SCRIPTED: scripted').waitFor();
      expect(posted).toEqual(['POST /v1/syncs/sync_LINKS_FAILED/retry']);
    } finally {
      await page.unroute('**/v1/syncs');
      await page.unroute(/\/v1\/syncs\/sync_LINKS_\w+\/(events|retry|cancel)$/);
    }
    await live('sync_LINKS_RUNNING').evaluate((card) => card.remove());
    await live('sync_LINKS_FAILED').getByRole('button', { name: 'Dismiss' }).click();
  });

  it('cancels a running sync from its Cancel link; once canceled, the links offer Retry and no Cancel', async () => {
    const exportWorker = web.stack.workers[0]!;
    await exportWorker.pause();
    let syncId: string;
    try {
      syncId = await syncFromPage('forecasts_append');
      await live(syncId).getByRole('button', { name: 'Cancel sync' }).click();
      // A queued sync is canceled when a worker next looks at it.
      await expect
        .poll(async () => (await web.stack.request('GET', `/v1/syncs/${syncId}`)).body.cancelRequested)
        .toBe(true);
    } finally {
      exportWorker.resume();
    }
    await live(syncId).getByText('Sync canceled').first().waitFor({ timeout: 30_000 });
    await live(syncId).getByRole('button', { name: 'Retry' }).waitFor();
    expect(await live(syncId).locator('.live-actions button').allTextContents()).toEqual(['Retry', 'Dismiss']);
    const api = await web.stack.request('GET', `/v1/syncs/${syncId}`);
    expect(api.body.status).toBe('canceled');
    expect(Object.keys(api.body.links).sort()).toEqual(['events', 'retry', 'self']);
    await live(syncId).getByRole('button', { name: 'Dismiss' }).click();
  });

  it('reopens a dropped event stream with Last-Event-ID and follows the sync to its end', async () => {
    const lastEventIds: Array<string | undefined> = [];
    let dropped = false;
    const pattern = /\/v1\/syncs\/sync_\w+\/events$/;
    await page.route(pattern, async (route) => {
      lastEventIds.push(route.request().headers()['last-event-id']);
      if (dropped) return route.continue();
      dropped = true;
      // The first connection delivers the queued status under an id of our own, then closes early.
      const id = /\/v1\/syncs\/(sync_\w+)\/events$/.exec(new URL(route.request().url()).pathname)![1]!;
      const view = (await web.stack.request('GET', `/v1/syncs/${id}`)).body;
      await route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `retry: 50\nid: queued.000000000000\nevent: status\ndata: ${JSON.stringify({ ...view, status: 'queued' })}\n\n`,
      });
    });
    try {
      const syncId = await syncFromPage('forecasts_append');
      await live(syncId).getByText('Sync complete', { exact: true }).waitFor({ timeout: 60_000 });
    } finally {
      await page.unroute(pattern);
    }
    expect(lastEventIds[0]).toBeUndefined();
    expect(lastEventIds[1]).toBe('queued.000000000000');
    await page.locator('article.live').first().getByRole('button', { name: 'Dismiss' }).click();
  });

  it('lists mirrored tables with links to Snowflake', async () => {
    mirrorTables = async () => MIRROR_TABLES;
    await page.getByRole('button', { name: 'Refresh' }).click();
    const orders = page.locator('#mirror').getByRole('link', { name: 'ANALYTICS_MIRROR.SALES.ORDERS' });
    await orders.waitFor();
    expect(await orders.getAttribute('href')).toBe(MIRROR_TABLES[0]!.snowflake!.url);
    expect(await page.locator('#mirror tbody tr').count()).toBe(3);
    expect(await page.locator('#mirror').textContent()).toContain('the OAuth token was refused');
  });

  it('is accessible in structure and fits a narrow screen; screenshots for the README', async () => {
    // Progress is announced: each followed sync has a status region.
    expect(await page.locator('article.live [role="status"]').count()).toBeGreaterThanOrEqual(2);
    // Every control is a real button or link (nothing clickable that a keyboard cannot reach).
    expect(await page.locator('[onclick], div[tabindex="0"], span[tabindex="0"]').count()).toBe(0);

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.mouse.move(0, 0);
    const wide = join(ARTIFACTS, 'web.png');
    await page.screenshot({ path: wide, fullPage: true });
    // The README's screenshot is refreshed only on request, so a test run never changes tracked files.
    if (process.env.D2S_UPDATE_SCREENSHOT === '1') {
      await mkdir(join(ROOT, 'docs'), { recursive: true });
      await copyFile(wide, join(ROOT, 'docs', 'screenshot.png'));
    }

    await page.setViewportSize({ width: 380, height: 800 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'web-narrow.png'), fullPage: true });

    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'web-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows markup from the configuration and the API as text, and links only http(s) URLs', async () => {
    // A parameter description (configuration).
    const dataset = page.locator('li.dataset', { hasText: 'store_sales' });
    await dataset.getByText('Parameters (3)').click();
    await page.locator('section', { has: page.locator('#datasets') }).screenshot({
      path: join(ARTIFACTS, 'web-parameters.png'),
    });
    await dataset.getByText(HOSTILE, { exact: true }).waitFor();
    expect(await dataset.getByLabel('region').inputValue()).toBe('emea');
    // Mirror state (API): an error message in markup, a javascript: URL.
    mirrorTables = async () => HOSTILE_MIRROR_TABLES;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('#mirror').getByText(`${HOSTILE} refresh failed`).waitFor();
    await page.locator('#mirror').getByText('ANALYTICS_MIRROR.SALES.EVIL').waitFor();
    expect(await page.locator('#mirror a').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('img[src="x"], #main b').count()).toBe(0);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});

if (!chromiumPath) {
  describe('web page (headless Chromium)', () => {
    it.skip('skipped: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)', () => {});
  });
}
