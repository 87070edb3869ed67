import { sleep } from '@d2s/testkit';
import type { SyncView } from '@d2s/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * "A failed sync leaves the target as it was", for replace mode, where it can
 * fail: the staging count disagrees, the target's count after the SWAP
 * disagrees (the SWAP is undone), a cancel lands just before the SWAP, the
 * SWAP's answer is lost (it ran, or it did not), and the worker dies between
 * the SWAP and the DROP. Faults are the Snowflake emulator's statement faults:
 * `delay` holds one statement so the test can act while it is pending,
 * `fail-after` runs a statement and then answers an error.
 */
const TARGET = 'D2S_SANDBOX.PUBLIC.FORECASTS_REPLACE';

async function startReplaceStack(importWorker: boolean): Promise<SyncStack> {
  return startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: LOAD_DATASETS, snowflake: true, importWorker });
}

function helpers(stack: () => SyncStack) {
  const admin = () => {
    const emulator = stack().snowflake?.emulator;
    if (!emulator) throw new Error('no Snowflake emulator');
    return emulator;
  };
  return {
    admin,
    async targetState() {
      const rows = await stack().sql(`SELECT COUNT(*) AS N, MIN("date")::VARCHAR AS D FROM ${TARGET}`);
      return { rows: Number(rows[0]?.N), firstDate: String(rows[0]?.D) };
    },
    async stagingTables() {
      return (await stack().sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`)).map((r) => r.name);
    },
    async request(forecastDate: string): Promise<string> {
      const created = await stack().request('POST', '/v1/syncs', {
        dataset: 'forecasts_replace',
        parameters: { forecast_date: forecastDate },
      });
      expect(created.status).toBe(202);
      return created.body.id as string;
    },
    ended(id: string, timeoutMs = 60_000): Promise<SyncView> {
      return stack().waitForStatus(id, (s) => ['succeeded', 'failed', 'canceled'].includes(s.status), timeoutMs);
    },
    /** Resolves once a statement of this sync matching `pattern` is running (held by a `delay` fault). */
    async statementRunning(id: string, pattern: RegExp): Promise<void> {
      const deadline = Date.now() + 30_000;
      const running = () =>
        admin()
          .queryLog.entries()
          .some((e) => e.queryTag === `d2s:sync:${id}` && e.status === 'RUNNING' && pattern.test(e.sql));
      while (!running()) {
        if (Date.now() > deadline) throw new Error(`no running statement matched ${pattern}`);
        await sleep(10);
      }
    },
    statementsOf(id: string, pattern: RegExp) {
      return admin()
        .queryLog.entries()
        .filter((e) => e.queryTag === `d2s:sync:${id}` && pattern.test(e.sql));
    },
  };
}

const STAGING_COUNT = /SELECT COUNT\(\*\) AS "ROW_COUNT" FROM .*__D2S_STAGING_/;
const TARGET_COUNT = /SELECT COUNT\(\*\) AS "ROW_COUNT" FROM "D2S_SANDBOX"\."PUBLIC"\."FORECASTS_REPLACE"$/;
const SWAP = /ALTER TABLE "D2S_SANDBOX"\."PUBLIC"\."FORECASTS_REPLACE" SWAP WITH/;

describe('replace never harms the target (import worker in this process)', () => {
  let stack: SyncStack;
  const h = helpers(() => stack);
  let before: { rows: number; firstDate: string };

  beforeAll(async () => {
    stack = await startReplaceStack(true);
    const first = await h.ended(await h.request('2024-06-01'));
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
  }, 90_000);
  afterAll(() => stack?.close());

  beforeAll(async () => {
    before = await h.targetState();
    expect(before).toEqual({ rows: 10_000, firstDate: '2024-06-01' });
  });

  it('fails on a staging count that disagrees with COPY, before any SWAP', async () => {
    h.admin().admin.faultStatements([{ match: STAGING_COUNT, action: 'delay', delayMs: 1_500 }]);
    const id = await h.request('2024-07-01');
    await h.statementRunning(id, STAGING_COUNT);
    // A stray writer adds a row to the staging table while d2s is about to count it.
    await stack.sql(
      `INSERT INTO D2S_SANDBOX.PUBLIC.FORECASTS_REPLACE__D2S_STAGING_${id.toUpperCase()} SELECT * FROM ${TARGET} LIMIT 1`,
    );
    const failed = await h.ended(id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({
      code: 'ROW_COUNT_MISMATCH',
      details: { expectedRows: 10_000, actualRows: 10_001 },
    });
    expect(h.statementsOf(id, SWAP)).toEqual([]);
    expect(await h.targetState()).toEqual(before);
    expect(await h.stagingTables()).toEqual([]);
  });

  it('undoes the SWAP when the target’s count after it disagrees, and keeps the previous rows', async () => {
    h.admin().admin.faultStatements([{ match: TARGET_COUNT, action: 'delay', delayMs: 1_500 }]);
    const id = await h.request('2024-07-02');
    await h.statementRunning(id, TARGET_COUNT);
    // The new rows are in the target now; a stray writer adds one before d2s counts.
    await stack.sql(`INSERT INTO ${TARGET} SELECT * FROM ${TARGET} LIMIT 1`);
    const failed = await h.ended(id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('ROW_COUNT_MISMATCH');
    expect(failed.error?.message).toContain('the SWAP was undone');
    expect(h.statementsOf(id, SWAP)).toHaveLength(2);
    expect(await h.targetState()).toEqual(before);
    expect(await h.stagingTables()).toEqual([]);
  });

  it('cancels just before the SWAP: the target is untouched and the staging table dropped', async () => {
    h.admin().admin.faultStatements([{ match: STAGING_COUNT, action: 'delay', delayMs: 1_500 }]);
    const id = await h.request('2024-07-03');
    await h.statementRunning(id, STAGING_COUNT);
    expect((await stack.request('POST', `/v1/syncs/${id}/cancel`)).status).toBe(202);
    const canceled = await h.ended(id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.error?.stage).toBe('import');
    expect(h.statementsOf(id, SWAP)).toEqual([]);
    expect(await h.targetState()).toEqual(before);
    expect(await h.stagingTables()).toEqual([]);
  });

  it('cancels during the COPY: the COPY is aborted, the target untouched', async () => {
    h.admin().admin.faultStatements([{ match: /^COPY INTO .*__D2S_STAGING_/, action: 'delay', delayMs: 5_000 }]);
    const id = await h.request('2024-07-04');
    await stack.waitForCopy(id);
    expect((await stack.request('POST', `/v1/syncs/${id}/cancel`)).status).toBe(202);
    const canceled = await h.ended(id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.error?.message).toMatch(/while loading/);
    expect(h.statementsOf(id, /^COPY/)[0]?.status).toBe('ABORTED');
    expect(await h.targetState()).toEqual(before);
    expect(await h.stagingTables()).toEqual([]);
  });

  it('finishes when the SWAP ran but its answer was lost: new rows, exactly once, no staging left', async () => {
    h.admin().admin.faultStatements([{ match: SWAP, action: 'fail-after' }]);
    const id = await h.request('2024-07-05');
    const done = await h.ended(id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(h.statementsOf(id, SWAP)).toHaveLength(1);
    expect(await h.targetState()).toEqual({ rows: 10_000, firstDate: '2024-07-05' });
    expect(await h.stagingTables()).toEqual([]);
    before = await h.targetState();
  });

  it('retries when the SWAP was refused before it ran, and ends with the new rows', async () => {
    h.admin().admin.faultStatements([{ match: SWAP, action: 'fail' }]);
    const id = await h.request('2024-07-06');
    const done = await h.ended(id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(h.statementsOf(id, SWAP).map((e) => e.status)).toEqual(['FAILED_WITH_ERROR', 'SUCCESS']);
    expect(await h.targetState()).toEqual({ rows: 10_000, firstDate: '2024-07-06' });
    expect(await h.stagingTables()).toEqual([]);
  });
});

describe('replace: the import worker process dies between the SWAP and the DROP', () => {
  let stack: SyncStack;
  const h = helpers(() => stack);

  beforeAll(async () => {
    stack = await startReplaceStack(false);
  }, 60_000);
  afterAll(() => stack?.close());

  it('finishes once on restart, with exactly the new rows and no staging table', async () => {
    const DROP_STAGING = /^DROP TABLE IF EXISTS .*__D2S_STAGING_/;
    const id = await h.request('2024-08-01');
    await stack.waitForStatus(id, (s) => s.status === 'importing', 30_000);
    // prepare drops a leftover staging table too: hold the count that follows the SWAP, and only then the DROP.
    h.admin().admin.faultStatements([{ match: TARGET_COUNT, action: 'delay', delayMs: 1_500 }]);
    const first = stack.spawnService('import-worker');
    await h.statementRunning(id, TARGET_COUNT);
    h.admin().admin.faultStatements([{ match: DROP_STAGING, action: 'delay', delayMs: 30_000 }]);
    await h.statementRunning(id, DROP_STAGING);
    first.child.kill('SIGKILL');
    await first.exited;
    // The held DROP never runs: the worker died after the SWAP and before the DROP took effect.
    const held = h.statementsOf(id, DROP_STAGING).find((e) => e.status === 'RUNNING');
    await stack.sql(`SELECT SYSTEM$CANCEL_QUERY('${held?.queryId}')`);
    h.admin().admin.resetFaults();
    expect(h.statementsOf(id, SWAP).map((e) => e.status)).toEqual(['SUCCESS']);
    expect(await h.stagingTables()).toHaveLength(1);

    const second = stack.spawnService('import-worker');
    const done = await h.ended(id);
    expect(done.status, `${JSON.stringify(done.error)}\n${second.output().slice(-2000)}`).toBe('succeeded');
    expect(await h.targetState()).toEqual({ rows: 10_000, firstDate: '2024-08-01' });
    expect(done.load?.rowsLoaded).toBe(10_000);
    expect(await h.stagingTables()).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
