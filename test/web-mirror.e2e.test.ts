import { join } from 'node:path';
import { buildServer, SyncEventHub } from '@d2s/api';
import { mirrorTablesKey, ScheduleService, SyncService } from '@d2s/shared';
import { mirrorTableStates } from '@d2s/testkit/mirror-fixtures';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, type Browser, findChromium, launchChromium, openTestPage } from './support/browser.js';
import {
  addForecastsTable,
  type MirrorStack,
  SANDBOX_MIRROR_YAML,
  SANDBOX_OAUTH_SECRET,
  startMirrorStack,
} from './support/mirror-stack.js';

const chromiumPath = findChromium();
const TOKEN = 'mirror-test-token';

/**
 * The web page's mirror section in headless Chromium against the real mirror: the API (with the page)
 * over both emulators, the mirror worker and Redis. Plans are computed from the Databricks emulator's
 * Unity Catalog and the Snowflake emulator's SHOW output; applying runs the DDL in the Snowflake emulator.
 */
describe.skipIf(!chromiumPath)('web page: mirror plan, apply and tables (headless Chromium, both emulators)', () => {
  let stack: MirrorStack;
  let app: FastifyInstance;
  let events: SyncEventHub;
  let browser: Browser;
  let page: Page;
  let url: string;
  const pageErrors: string[] = [];
  /** Bodies the page posted to /v1/mirror/runs. */
  const runRequests: unknown[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startMirrorStack({ redisUrl: inject('redisUrl'), mirrorYaml: SANDBOX_MIRROR_YAML }),
      launchChromium(chromiumPath!),
    ]);
    const { config, queues, redis, prefix } = stack;
    events = new SyncEventHub({ prefix, connect: () => new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }) });
    app = await buildServer({
      config,
      logger: pino({ level: process.env.D2S_TEST_LOG ?? 'silent' }),
      redis,
      queues: Object.values(queues),
      syncs: new SyncService({ config, exportQueue: queues.export, importQueue: queues.import, redis }),
      schedules: new ScheduleService({ config, queues: { sync: queues.export, mirror: queues.mirror } }),
      events,
      mirror: stack.mirror,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    page = await openTestPage(browser, { timeoutMs: 20_000, pageErrors });
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/mirror/runs') {
        runRequests.push(request.postDataJSON());
      }
    });
    await page.goto(url);
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Mirrored tables' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await events?.close();
    await stack?.close();
  }, 60_000);

  const mirror = () => page.locator('section', { has: page.locator('#mirror') });
  /** Every job in the mirror queue, whatever its state: a run adds at least one. */
  const mirrorJobs = async () => Object.values(await stack.queues.mirror.getJobCounts()).reduce((sum, n) => sum + n, 0);

  it('plans and previews the actions with their SQL, the OAuth secret masked', async () => {
    await mirror().getByText('No tables mirrored yet.').waitFor();
    await mirror().getByRole('button', { name: 'Plan', exact: true }).click();
    await mirror().locator('.plan-action').first().waitFor();
    const kinds = await mirror()
      .locator('.plan-action')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')));
    expect(kinds).toContain('create-integration');
    expect(kinds).toContain('create-table');
    const planId = await mirror().locator('.plan-id').textContent();
    expect(planId).toMatch(/^plan_/);

    // Every SQL block opened: the integration's DDL is there, its secret is not.
    for (const summary of await mirror().locator('.plan-sql summary').all()) await summary.click();
    const sql = (await mirror().locator('.plan-sql pre').allTextContents()).join('\n');
    expect(sql).toContain('CREATE CATALOG INTEGRATION');
    expect(sql).toContain('[redacted]');
    expect(sql).toContain('CREATE ICEBERG TABLE');
    expect(await page.content()).not.toContain(SANDBOX_OAUTH_SECRET);
    await mirror().screenshot({ path: join(ARTIFACTS, 'web-mirror-plan.png') });
    // Planning started nothing.
    expect(runRequests).toEqual([]);
    expect(await mirrorJobs()).toBe(0);
  }, 60_000);

  it('applies exactly the reviewed plan only after the confirmation, and follows the run to its end', async () => {
    const planId = await mirror().locator('.plan-id').textContent();
    const planned = Number(
      /^Plan ready: (\d+) actions\.$/.exec((await mirror().locator('.mirror-plan-status').textContent())!)![1],
    );
    // A long plan is drawn 50 actions at a time.
    if (planned > 50) {
      expect(await mirror().locator('.plan-action').count()).toBe(50);
      await mirror()
        .getByRole('button', { name: `Show more (${planned - 50} not shown)` })
        .click();
    }
    expect(await mirror().locator('.plan-action').count()).toBe(planned);
    await mirror().getByRole('button', { name: 'Apply this plan…' }).click();
    const confirm = mirror().getByRole('alertdialog', { name: 'Apply this plan to Snowflake?' });
    await confirm.waitFor();
    // The confirmation has the focus, and nothing was posted yet.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Confirm and apply');
    expect(runRequests).toEqual([]);
    await page.keyboard.press('Enter');

    const run = mirror().locator('article.mirror-run');
    // Dozens of actions against the emulators: minutes on a loaded machine.
    await expect.poll(() => run.locator('.live-head .badge').textContent(), { timeout: 180_000 }).toBe('succeeded');
    expect(runRequests).toEqual([{ planId }]);
    const runId = await run.getAttribute('data-run-id');
    const view = (await stack.request('GET', `/v1/mirror/runs/${runId}`)).body;
    expect(view.status).toBe('succeeded');
    expect(view.planId).toBe(planId);
    expect(view.actions).toHaveLength(planned);
    expect(await run.locator('.run-counts').textContent()).toBe(`${planned} succeeded`);

    // The run ended: the table list was read again and shows the tables it mirrored, 50 a page.
    const mirroredTables = view.actions.filter((a: { kind: string }) => a.kind === 'create-table').length;
    expect((await stack.request('GET', '/v1/mirror/tables')).body.total).toBe(mirroredTables);
    const shown = Math.min(mirroredTables, 50);
    await expect.poll(() => mirror().locator('#mirror tbody tr').count(), { timeout: 20_000 }).toBe(shown);
    expect(await mirror().locator('.mirror-range').textContent()).toBe(`Showing 1–${shown} of ${mirroredTables}`);
  }, 240_000);

  it('shows a stale plan refused with 409 PLAN_STALE, what changed, and plans again', async () => {
    await addForecastsTable(stack, 'late_arrival', 4);
    await mirror().getByRole('button', { name: 'Plan', exact: true }).click();
    await mirror().locator('.plan-action[data-kind="create-table"]').first().waitFor();
    expect(await mirror().locator('.plan-action').count()).toBe(1);
    // Someone changes Unity Catalog between review and apply.
    await addForecastsTable(stack, 'later_still', 2);
    const jobsBefore = await mirrorJobs();
    await mirror().getByRole('button', { name: 'Apply this plan…' }).click();
    await mirror().getByRole('button', { name: 'Confirm and apply' }).click();

    const refusal = mirror().locator('.mirror-refusal[data-code="PLAN_STALE"]');
    await refusal.waitFor();
    expect(await refusal.locator('strong').first().textContent()).toBe('The plan is stale');
    expect(await refusal.locator('.error-message').textContent()).toMatch(/is stale: Unity Catalog, Snowflake/);
    expect(await refusal.locator('.stale-changes').textContent()).toContain('weather.forecasts.later_still');
    expect(await mirrorJobs()).toBe(jobsBefore);
    // The way forward is focused: plan again, and the new plan has both tables.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Plan again');
    await refusal.getByRole('button', { name: 'Plan again' }).click();
    await expect
      .poll(() => mirror().locator('.plan-action[data-kind="create-table"]').count(), { timeout: 30_000 })
      .toBe(2);
    await mirror().screenshot({ path: join(ARTIFACTS, 'web-mirror-stale.png') });
  }, 90_000);

  it('searches, filters and pages through 3,000 mirrored tables on the server', async () => {
    // The state hash as the mirror's action jobs write it, seeded directly: a real mirror of 3,000 tables
    // through the emulators would take minutes.
    const seeded = mirrorTableStates(3_000);
    await stack.redis.hset(
      mirrorTablesKey(stack.prefix),
      Object.fromEntries(seeded.map((t) => [t.tableId, JSON.stringify(t)])),
    );
    const pages: string[] = [];
    page.on('request', (request) => {
      const u = new URL(request.url());
      if (u.pathname === '/v1/mirror/tables') pages.push(u.search);
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const range = mirror().locator('.mirror-range');
    await expect.poll(() => range.textContent(), { timeout: 30_000 }).toMatch(/^Showing 1–50 of 3,0\d\d$/);
    const total = Number((await range.textContent())!.split(' of ')[1]!.replace(',', ''));
    expect(await mirror().locator('#mirror tbody tr').count()).toBe(50);
    // Only one page crossed the wire.
    expect(pages.every((q) => new URLSearchParams(q).get('limit') === '50')).toBe(true);

    // Next and Previous, from the keyboard.
    const firstRow = await mirror().locator('#mirror tbody tr').first().getAttribute('data-table-id');
    await mirror().getByRole('button', { name: 'Next' }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => range.textContent(), { timeout: 30_000 })
      .toBe(`Showing 51–100 of ${total.toLocaleString('en-US')}`);
    expect(await mirror().locator('#mirror tbody tr').first().getAttribute('data-table-id')).not.toBe(firstRow);
    await mirror().getByRole('button', { name: 'Previous' }).click();
    await expect
      .poll(() => range.textContent(), { timeout: 30_000 })
      .toBe(`Showing 1–50 of ${total.toLocaleString('en-US')}`);
    expect(await mirror().locator('#mirror tbody tr').first().getAttribute('data-table-id')).toBe(firstRow);

    // Search: one schema's tables (100), two pages of them.
    await mirror().getByLabel('Search tables').fill('main.s07.');
    await expect.poll(() => range.textContent(), { timeout: 30_000 }).toBe('Showing 1–50 of 100');
    const names = await mirror().locator('#mirror tbody tr td:nth-child(2)').allTextContents();
    expect(names.every((n) => n.startsWith('main.s07.'))).toBe(true);

    // Status filter, with its counts for this search.
    const failedInSchema = seeded.filter((t) => t.uc.fullName.startsWith('main.s07.') && t.status === 'failed');
    const status = mirror().getByLabel('Status');
    expect(await status.locator('option[value="failed"]').textContent()).toBe(`failed (${failedInSchema.length})`);
    await status.selectOption('failed');
    await expect
      .poll(() => range.textContent(), { timeout: 30_000 })
      .toBe(`Showing 1–${failedInSchema.length} of ${failedInSchema.length}`);
    expect(
      await mirror()
        .locator('#mirror tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-table-id'))),
    ).toEqual(failedInSchema.map((t) => t.tableId));
    expect(await mirror().getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(await mirror().locator('#mirror').textContent()).toContain('SNOWFLAKE_QUERY_FAILED');

    await mirror().getByLabel('Search tables').fill('no-such-table');
    await mirror().getByText('No mirrored tables match the search.').waitFor();
    await mirror().screenshot({ path: join(ARTIFACTS, 'web-mirror-tables.png') });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});

if (!chromiumPath) {
  describe('web page: mirror (headless Chromium)', () => {
    it.skip('skipped: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)', () => {});
  });
}
