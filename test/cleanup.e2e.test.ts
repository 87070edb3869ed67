import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupSweepReport } from '../apps/import-worker/src/index.js';
import { defaultJobOptions, parseJobData, type SyncView, syncIdForKey } from '@d2s/shared';
import { sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobsOfSync } from './support/queue-jobs.js';
import { type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * export.cleanup against both emulators: the real import worker, the Snowflake emulator's REMOVE
 * (prefix semantics as documented at https://docs.snowflake.com/en/sql-reference/sql/remove) and the
 * Databricks emulator's export job, which writes 4 part files and Spark's 3 commit files per run.
 */
const dataset = (name: string, cleanup: string, extra = '') => `
  ${name}:
    databricks: { jobId: 1001, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/${name}, maxRunDurationSeconds: 600${cleanup ? `, cleanup: ${cleanup}` : ''} }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: CLEANUP_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: ${name.toUpperCase()} }
      createTable: true
    singleActive: false${extra}`;

const DATASETS = `
datasets:${dataset('cleaned', 'after-load')}${dataset('cleaned_replace', 'after-load', '\n    load: { mode: replace }')}${dataset(
  'cleaned_failing',
  'after-load',
  '\n    verify: { expectedRows: 1 }',
)}${dataset('aged', '{ afterDays: 2 }')}${dataset('kept', '')}`;

const FILES_PER_RUN = 7; // 4 part files + _started_, _committed_, _SUCCESS
const DAY_MS = 24 * 3600 * 1000;

describe('export.cleanup', () => {
  let stack: SyncStack;
  const runDir = (datasetName: string, syncId: string) =>
    join(stack.objectStoreRoot, 'd2s-sandbox', 'exports', datasetName, syncId);
  const filesOf = async (datasetName: string, syncId: string) => {
    try {
      return (await readdir(runDir(datasetName, syncId), { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name)
        .sort();
    } catch {
      return [];
    }
  };
  const statements = (syncId: string) =>
    (stack.snowflake?.emulator.queryLog.entries() ?? []).filter((e) => e.queryTag === `d2s:sync:${syncId}`);

  async function sync(datasetName: string, idempotencyKey?: string): Promise<string> {
    const created = await stack.request(
      'POST',
      '/v1/syncs',
      { dataset: datasetName },
      idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    );
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return created.body.id as string;
  }
  const ended = (id: string): Promise<SyncView> =>
    stack.waitForStatus(id, (s) => ['succeeded', 'failed', 'canceled'].includes(s.status), 60_000);

  async function sweep(datasets: string[]): Promise<CleanupSweepReport> {
    const data = parseJobData('import', 'cleanup-sweep', { datasets });
    const job = await stack.queues.import.add(
      'cleanup-sweep',
      data,
      defaultJobOptions('import', 'cleanup-sweep', stack.config.api.retentionSeconds),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await job.getState();
      if (state === 'completed') break;
      if (state === 'failed' || Date.now() > deadline) throw new Error(`the sweep ended ${state}`);
      await sleep(50);
    }
    const done = await stack.queues.import.getJob(job.id ?? '');
    return done?.returnvalue as CleanupSweepReport;
  }

  async function finishedJob(jobId: string): Promise<{ state: string; value: unknown }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await stack.queues.import.getJob(jobId);
      const state = (await job?.getState()) ?? 'missing';
      if (state === 'completed' || state === 'failed') return { state, value: job?.returnvalue };
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state}`);
      await sleep(50);
    }
  }

  /** Makes a run's files look written `days` ago. */
  async function age(datasetName: string, syncId: string, days: number): Promise<void> {
    const at = new Date(Date.now() - days * DAY_MS);
    const dir = runDir(datasetName, syncId);
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) await utimes(join(entry.parentPath, entry.name), at, at);
  }

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: DATASETS, snowflake: true });
  }, 60_000);
  afterAll(() => stack?.close());

  it('removes the run’s files after the load verified, and only its own: a sibling prefix (run 12 vs 123) stays', async () => {
    const key = `cleanup-sibling-${Date.now()}`;
    const id = syncIdForKey('sync', key);
    // A sibling run whose id extends this one's: REMOVE @stage/cleaned/<id> (no slash) would take it too.
    const sibling = join(runDir('cleaned', `${id}0`), 'part-00000.parquet');
    await mkdir(join(sibling, '..'), { recursive: true });
    await writeFile(sibling, 'not parquet: loading or removing it would be a bug');

    expect(await sync('cleaned', key)).toBe(id);
    const view = await ended(id);
    expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
    expect(view.load?.rowsLoaded).toBe(10_000);
    expect(view.load?.cleanup).toEqual({ policy: 'after-load', status: 'removed', filesRemoved: FILES_PER_RUN });
    const viaApi = await stack.request('GET', `/v1/syncs/${id}`);
    expect(viaApi.body.load.cleanup).toEqual(view.load?.cleanup);
    expect(await filesOf('cleaned', id)).toEqual([]);
    expect(await filesOf('cleaned', `${id}0`)).toEqual(['part-00000.parquet']);

    // Never before verification: the REMOVE is the sync's last statement, after the COPY and the count.
    const sqls = statements(id).map((e) => e.sql);
    const copyAt = sqls.findIndex((sql) => /^COPY INTO/.test(sql));
    const removeAt = sqls.findIndex((sql) => /^REMOVE /.test(sql));
    expect(copyAt).toBeGreaterThan(-1);
    expect(removeAt).toBe(sqls.length - 1);
    expect(sqls.slice(copyAt, removeAt).some((sql) => /COUNT\(\*\)/i.test(sql))).toBe(true);
    expect(sqls[removeAt]).toContain(`/cleaned/${id}/ PATTERN`);
    expect((await stack.sql('SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.CLEANED'))[0]?.N).toBe(10_000);
  });

  it('an attempt after the files are gone reports the saved verified load instead of failing to find them', async () => {
    const id = await sync('cleaned');
    const view = await ended(id);
    expect(view.load?.cleanup?.status).toBe('removed');
    const [done] = await jobsOfSync(stack.queues.import, id);
    // What the worker saved before its REMOVE: the retry's starting point after a crash past that point.
    expect(done?.data.verifiedLoad).toMatchObject({ rowsLoaded: 10_000, mode: 'append' });
    const copies = () => statements(id).filter((e) => /^(COPY|LIST)/.test(e.sql)).length;
    const before = copies();

    const retried = await stack.queues.import.add('sync-import', done?.data, { jobId: `${id}-retry` });
    const report = await finishedJob(retried.id ?? '');
    expect(report.state).toBe('completed');
    expect(report.value).toMatchObject({
      rowsLoaded: 10_000,
      cleanup: { policy: 'after-load', status: 'removed', filesRemoved: 0 },
    });
    expect(copies(), 'neither listed nor loaded again').toBe(before);

    // Without the saved report the same attempt would look for the run's files and fail the sync.
    const { verifiedLoad: _saved, ...unsaved } = done?.data ?? {};
    const blind = await stack.queues.import.add('sync-import', unsaved, { jobId: `${id}-blind`, attempts: 1 });
    expect((await finishedJob(blind.id ?? '')).state).toBe('failed');
  });

  it('cleans up after a replace-mode load too, once the SWAP verified', async () => {
    const id = await sync('cleaned_replace');
    const view = await ended(id);
    expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
    expect(view.load?.cleanup).toMatchObject({ status: 'removed', filesRemoved: FILES_PER_RUN });
    const sqls = statements(id).map((e) => e.sql);
    expect(sqls.findIndex((sql) => /^REMOVE /.test(sql))).toBeGreaterThan(
      sqls.findIndex((sql) => /SWAP WITH/.test(sql)),
    );
    expect(await filesOf('cleaned_replace', id)).toEqual([]);
  });

  it('keeps the files of a load that failed verification: nothing is removed before a verified load', async () => {
    const id = await sync('cleaned_failing');
    const view = await ended(id);
    expect(view.status).toBe('failed');
    expect(view.error?.code).toBe('ROW_COUNT_MISMATCH');
    expect(statements(id).some((e) => /^REMOVE/.test(e.sql))).toBe(false);
    expect(await filesOf('cleaned_failing', id)).toHaveLength(FILES_PER_RUN);
  });

  it('leaves a keep dataset’s files alone', async () => {
    const id = await sync('kept');
    const view = await ended(id);
    expect(view.status).toBe('succeeded');
    expect(view.load?.cleanup).toEqual({ policy: 'keep', status: 'kept', filesRemoved: 0 });
    expect(await filesOf('kept', id)).toHaveLength(FILES_PER_RUN);
    expect((await sweep(['kept'])).removed).toEqual([]);
    expect(await filesOf('kept', id)).toHaveLength(FILES_PER_RUN);
  });

  it('reports a failed removal in the sync result without failing the loaded sync; the sweep removes them later', async () => {
    stack.snowflake?.emulator.admin.faultStatements([
      {
        match: /^REMOVE @"D2S_SANDBOX"\."PUBLIC"\."CLEANUP_STAGE"\/cleaned\//,
        action: 'fail',
        count: 1,
        code: '003001',
        sqlState: '42501',
        message: "SQL access control error:\nInsufficient privileges to operate on stage 'CLEANUP_STAGE'",
      },
    ]);
    const id = await sync('cleaned');
    const view = await ended(id);
    expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
    expect(view.error).toBeNull();
    expect(view.load?.rowsLoaded).toBe(10_000);
    expect(view.load?.cleanup).toMatchObject({ policy: 'after-load', status: 'failed', filesRemoved: 0 });
    expect(view.load?.cleanup?.error?.message).toMatch(/Insufficient privileges/);
    expect(await filesOf('cleaned', id)).toHaveLength(FILES_PER_RUN);

    const report = await sweep(['cleaned']);
    expect(report.removed).toContainEqual(
      expect.objectContaining({ syncId: id, reason: 'loaded', filesRemoved: FILES_PER_RUN }),
    );
    expect(await filesOf('cleaned', id)).toEqual([]);
  });

  it('sweeps runs older than afterDays and failed syncs’ runs, never a sync in flight, never an unknown sibling', async () => {
    const old = await sync('aged');
    expect((await ended(old)).status).toBe('succeeded');
    const recent = await sync('aged');
    const recentView = await ended(recent);
    expect(recentView.load?.cleanup).toMatchObject({ policy: 'after-days', status: 'kept', filesRemoved: 0 });
    const failed = await sync('cleaned_failing');
    expect((await ended(failed)).status).toBe('failed');
    await age('aged', old, 3);

    // A sync held in its COPY: in flight, with its files on the stage and aged past the policy.
    const key = `cleanup-inflight-${Date.now()}`;
    const inFlight = syncIdForKey('sync', key);
    stack.snowflake?.emulator.admin.faultStatements([
      { match: new RegExp(`^COPY INTO .*${inFlight}`, 's'), action: 'delay', delayMs: 8_000 },
    ]);
    expect(await sync('aged', key)).toBe(inFlight);
    await stack.waitForCopy(inFlight);
    await age('aged', inFlight, 30);

    // Files under a run path of a sync d2s does not know (its record gone, or never d2s's): after-load keeps them.
    const stranger = join(runDir('cleaned', 'sync_0000000000STRANGER'), 'part-00000.parquet');
    await mkdir(join(stranger, '..'), { recursive: true });
    await writeFile(stranger, 'written by someone else');

    const report = await sweep(['aged', 'cleaned', 'cleaned_failing']);
    const removedIds = report.removed.map((run) => run.syncId);
    expect(report.removed).toContainEqual(
      expect.objectContaining({
        dataset: 'aged',
        syncId: old,
        reason: 'older-than-policy',
        filesRemoved: FILES_PER_RUN,
      }),
    );
    expect(report.removed).toContainEqual(
      expect.objectContaining({ dataset: 'cleaned_failing', syncId: failed, reason: 'sync-failed' }),
    );
    expect(removedIds, JSON.stringify({ report, view: await stack.syncs.get(inFlight) })).not.toContain(inFlight);
    expect(removedIds).not.toContain(recent);
    expect(report.failed).toEqual([]);
    expect(report.kept['in-flight']).toBeGreaterThanOrEqual(1);
    expect(report.kept['too-recent']).toBeGreaterThanOrEqual(1);
    expect(report.kept['sync-unknown']).toBeGreaterThanOrEqual(1);
    expect(await filesOf('cleaned', 'sync_0000000000STRANGER')).toEqual(['part-00000.parquet']);

    expect(await filesOf('aged', old)).toEqual([]);
    expect(await filesOf('cleaned_failing', failed)).toEqual([]);
    expect(await filesOf('aged', recent)).toHaveLength(FILES_PER_RUN);
    expect(await filesOf('aged', inFlight)).toHaveLength(FILES_PER_RUN);

    const finished = await ended(inFlight);
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(finished.load?.rowsLoaded).toBe(10_000);
  }, 60_000);
});
