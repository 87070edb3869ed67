import {
  type D2sConfig,
  type D2sMetrics,
  isD2sError,
  type LoadReport,
  type Logger,
  type NotificationEmitter,
  outcomeOfFailure,
  parseJobData,
  recordSyncEnd,
  runSteps,
  settleFailedAttempt,
  stopIfLockLost,
  SyncFailedError,
  type SyncService,
} from '@d2s/shared';
import { dropTable, type SnowflakeClient } from '@d2s/shared/snowflake';
import type { Job } from 'bullmq';
import { createImportContext, type ImportContext, queryTagOf } from './import-context.js';
import { cleanUp } from './steps/clean-up.js';
import { importSteps } from './steps/import-steps.js';
import { type CleanupSweepDeps, sweepRunFiles } from './sweep/sweep-run-files.js';

export interface ImportDeps {
  config: Pick<D2sConfig, 'datasets'>;
  snowflake: Pick<SnowflakeClient, 'execute' | 'transaction'>;
  syncs: Pick<SyncService, 'isCancelRequested' | 'releaseDataset' | 'get'>;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'syncOutcomes' | 'runCleanups' | 'runFilesRemoved'>;
  /** @defaultValue Date.now */
  now?: () => number;
  /** Queues sync.succeeded / sync.failed / sync.canceled for notifications.endpoints. */
  notifications?: Pick<NotificationEmitter, 'emit'>;
  /** How often a running COPY checks for a cancel request. @defaultValue 1000 */
  cancelCheckMs?: number;
}

/**
 * The import queue's processor: the scheduled cleanup sweep (./sweep), and
 * for a sync a dispatcher over the import steps
 * (prepare → load → verify → swap, in ./steps). Append mode loads straight
 * into the target; replace mode loads a staging table private to the sync
 * and swaps it in only after it verifies; merge mode loads one the same way
 * and MERGEs it by key in one transaction (./steps/merge.ts). A failure
 * leaves the target untouched and drops the staging table. Once the load
 * verified, ./steps/clean-up.ts applies export.cleanup; for `after-load` the
 * verified report is saved in the job first, so an attempt after the files
 * are gone reports that load instead of failing to find them.
 */
export function createImportProcessor(deps: ImportDeps) {
  const now = deps.now ?? Date.now;
  const sweepDeps: CleanupSweepDeps = { ...deps, now };

  return async function processImport(
    job: Job,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<LoadReport | Awaited<ReturnType<typeof sweepRunFiles>>> {
    if (job.name === 'cleanup-sweep')
      return sweepRunFiles(parseJobData('import', 'cleanup-sweep', job.data), sweepDeps);
    const data = parseJobData('import', 'sync-import', job.data);
    const { request } = data;
    const dataset = deps.config.datasets[request.dataset];
    // A verified load an earlier attempt saved before removing its files: report it, do not load again.
    const verifiedLoad = data.verifiedLoad as LoadReport | undefined;
    const report: LoadReport = verifiedLoad ?? {
      mode: dataset?.load.mode ?? 'append',
      stagePath: request.stagePath,
      files: [],
      rowsLoaded: 0,
      queryIds: [],
    };
    const fallbackLog = deps.logger.child({ syncId: request.syncId, jobId: job.id, dataset: request.dataset });
    let ctx: ImportContext | undefined;
    try {
      if (!dataset)
        throw new SyncFailedError('UNKNOWN_DATASET', `Dataset "${request.dataset}" is no longer configured.`);
      ctx = createImportContext(job, data, dataset, report, deps);
      const loaded =
        verifiedLoad ??
        (await runSteps(importSteps, 'prepare', ctx, {
          park: () => Promise.reject(new Error('import steps never reschedule')),
          signal,
        }));
      // A replica that lost the lock during the last step must not remove files the job's new holder may be loading.
      stopIfLockLost(signal, 'clean-up');
      if (!verifiedLoad && dataset.export.cleanup === 'after-load')
        await job.updateData({ ...data, verifiedLoad: loaded as unknown as Record<string, unknown> });
      loaded.cleanup = await cleanUp(ctx, { metrics: deps.metrics, now });
      await recordSyncEnd({ ...deps, log: ctx.log }, request, 'succeeded', { rowsLoaded: loaded.rowsLoaded });
      ctx.log.info(
        { files: loaded.files.length, rowsLoaded: loaded.rowsLoaded, targetRowCount: loaded.targetRowCount },
        'load verified',
      );
      return loaded;
    } catch (error) {
      const log = ctx?.log ?? fallbackLog;
      throw await settleFailedAttempt(job, error, {
        log: log.child({ queryIds: report.queryIds }),
        message: 'import failed',
        onLastAttempt: async () => {
          if (ctx && (dataset?.load.mode === 'replace' || dataset?.load.mode === 'merge')) {
            if (ctx.state.stagingMayHoldPreviousTarget) keepStaging(ctx);
            else await dropStaging(ctx);
          }
          await recordSyncEnd({ ...deps, log }, request, outcomeOfFailure(error), { error });
          if (isD2sError(error) && Array.isArray(error.details.files))
            report.files = error.details.files as LoadReport['files'];
          const failure = isD2sError(error) ? error.details : {};
          await job.updateProgress({ status: 'importing', ...report, failure } as unknown as Record<string, unknown>);
        },
      });
    }
  };

  /** The staging table may hold the only copy of the target's previous rows: say so where an operator will look. */
  function keepStaging(ctx: ImportContext): void {
    const where = `${ctx.staging.database}.${ctx.staging.schema}.${ctx.staging.name}`;
    ctx.log.error(
      { table: where },
      `could not tell whether the SWAP ran; kept ${where}, which may hold the target's previous rows`,
    );
  }

  async function dropStaging(ctx: ImportContext): Promise<void> {
    await deps.snowflake
      .execute(dropTable(ctx.staging), [], { queryTag: queryTagOf(ctx.request.syncId) })
      .catch((dropError: unknown) => {
        ctx.log.error({ err: dropError, table: ctx.staging.name }, 'could not drop the staging table');
      });
  }
}
