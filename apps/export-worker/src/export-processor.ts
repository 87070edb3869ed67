import {
  type D2sConfig,
  type D2sMetrics,
  isD2sError,
  type Logger,
  outcomeOfFailure,
  parseJobData,
  parkJob,
  recordSyncEnd,
  runSteps,
  settleFailedAttempt,
  SYNC_CANCELED,
  SyncFailedError,
  type SyncService,
} from '@d2s/shared';
import type { Job, Queue } from 'bullmq';
import {
  createExportContext,
  type ExportContext,
  type ExportCurrentUserApi,
  type ExportJobsApi,
  type ExportLiveProgress,
  MAX_IN_SLOT_WAIT_MS,
  reportExport,
  runDetails,
} from './export-context.js';
import { fireSchedule } from './fire-schedule.js';
import { exportSteps } from './steps/export-steps.js';

export interface ExportDeps {
  config: Pick<D2sConfig, 'datasets' | 'workers' | 'api'>;
  jobs: ExportJobsApi;
  /** scim/v2/Me, so a permission failure names the principal to grant to. */
  currentUser?: ExportCurrentUserApi;
  syncs: Pick<SyncService, 'create' | 'isCancelRequested' | 'releaseDataset'>;
  importQueue: Queue;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'>;
  now?: () => number;
  random?: () => number;
}

/**
 * The export queue's processor: a dispatcher over the export steps
 * (trigger → poll → hand-off, in ./steps). The run id is saved into the job
 * before any polling, so a restarted worker resumes the same run; polling
 * parks the job in `delayed` and frees the worker slot.
 */
export function createExportProcessor(deps: ExportDeps) {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  return async function processExport(job: Job, token?: string): Promise<unknown> {
    if (job.name === 'sync-scheduled') return fireSchedule(job, deps);
    const data = parseJobData('export', 'sync-export', job.data);
    const { request } = data;
    const fallbackLog = deps.logger.child({ syncId: request.syncId, jobId: job.id, dataset: request.dataset });
    let ctx: ExportContext | undefined;
    try {
      const dataset = deps.config.datasets[request.dataset];
      if (!dataset)
        throw new SyncFailedError('UNKNOWN_DATASET', `Dataset "${request.dataset}" is no longer configured.`);
      ctx = createExportContext(job, data, dataset, { ...deps, now, random });
      await stopIfCanceled(ctx);
      return await runSteps(exportSteps, ctx.progress.step, ctx, parkJob(job, token, now));
    } catch (error) {
      const log = ctx?.log ?? fallbackLog;
      throw await settleFailedAttempt(job, error, {
        log,
        message: 'export step failed',
        onLastAttempt: async () => {
          await recordSyncEnd({ ...deps, log }, request, outcomeOfFailure(error));
          if (isD2sError(error) && Object.keys(error.details).length > 0) {
            const live = (typeof job.progress === 'object' && job.progress) || {};
            await reportExport(job, { ...(live as ExportLiveProgress), failure: error.details });
          }
        },
      });
    }
  };

  /** A cancel request ends the sync at the next activation, and cancels the run it started. */
  async function stopIfCanceled(ctx: ExportContext): Promise<void> {
    if (!(await deps.syncs.isCancelRequested(ctx.request.syncId))) return;
    if (ctx.progress.runId !== undefined) {
      await deps.jobs.cancelRun(ctx.progress.runId, { maxRetryWaitMs: MAX_IN_SLOT_WAIT_MS });
      ctx.log.info('canceled the Databricks run');
    }
    throw new SyncFailedError(SYNC_CANCELED, 'Canceled on request.', { details: runDetails(ctx.progress) });
  }
}
