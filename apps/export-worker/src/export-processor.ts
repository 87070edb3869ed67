import {
  type D2sConfig,
  type D2sMetrics,
  isD2sError,
  type Logger,
  type NotificationEmitter,
  outcomeOfFailure,
  parseJobData,
  parkJob,
  recordSyncEnd,
  runSteps,
  settleFailedAttempt,
  SyncFailedError,
  type SyncService,
} from '@d2s/shared';
import { DelayedError, type Job, type Queue } from 'bullmq';
import {
  createExportContext,
  type ExportContext,
  type ExportCurrentUserApi,
  type ExportJobsApi,
  type ExportLiveProgress,
  type ExportWakeups,
  reportExport,
} from './export-context.js';
import { fireSchedule } from './fire-schedule.js';
import { exportSteps } from './steps/export-steps.js';

export interface ExportDeps {
  config: Pick<D2sConfig, 'datasets' | 'workers' | 'api'>;
  jobs: ExportJobsApi;
  /** scim/v2/Me, so a permission failure names the principal to grant to. */
  currentUser?: ExportCurrentUserApi;
  syncs: Pick<SyncService, 'create' | 'isCancelRequested' | 'releaseDataset' | 'takeTurn'>;
  importQueue: Queue;
  logger: Logger;
  metrics?: Pick<D2sMetrics, 'syncOutcomes'>;
  /** Queues sync.failed / sync.canceled for notifications.endpoints (success is the import worker's). */
  notifications?: Pick<NotificationEmitter, 'emit'>;
  /** Pushed run ends (databricks.webhook): the run index and wake marks. */
  wakeups?: ExportWakeups;
  /** The poll schedule while push is on. */
  pushPolling?: { pollInitialMs: number; pollMaxMs: number };
  now?: () => number;
  random?: () => number;
}

/**
 * The export queue's processor: a dispatcher over the export steps
 * (trigger → poll → hand-off, or cancel, in ./steps). The run id is saved
 * into the job before any polling, so a restarted worker resumes the same
 * run; polling parks the job in `delayed` and frees the worker slot.
 */
export function createExportProcessor(deps: ExportDeps) {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  return async function processExport(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
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
      const park = parkJob(job, token, now);
      const wakeups = deps.wakeups;
      return await runSteps(exportSteps, ctx.progress.step, ctx, {
        // After parking, a wake mark set while this activation polled promotes the job at once: the
        // notification's promote found the job active and could not.
        park: wakeups
          ? (delayMs) =>
              park(delayMs).catch(async (error: unknown) => {
                if (error instanceof DelayedError) await wakeups.wakeIfMarked(job, request.syncId);
                throw error;
              })
          : park,
        // A cancel request is checked before every step and before every wait, so one that arrives while
        // run-now is in flight still cancels that run before the job parks.
        interrupt: async (context, next) =>
          next !== 'cancel' && (await context.cancelRequested()) ? 'cancel' : undefined,
        signal,
      });
    } catch (error) {
      const log = ctx?.log ?? fallbackLog;
      throw await settleFailedAttempt(job, error, {
        log,
        message: 'export step failed',
        onLastAttempt: async () => {
          await recordSyncEnd({ ...deps, log }, request, outcomeOfFailure(error), { error });
          if (isD2sError(error) && Object.keys(error.details).length > 0) {
            const live = (typeof job.progress === 'object' && job.progress) || {};
            await reportExport(job, { ...(live as ExportLiveProgress), failure: error.details });
          }
        },
      });
    }
  };
}
