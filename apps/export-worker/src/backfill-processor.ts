import {
  backfillFinishedEvent,
  type BackfillJobData,
  type BackfillResult,
  type BackfillService,
  type D2sConfig,
  type D2sMetrics,
  type Logger,
  type NotificationEmitter,
  parseJobData,
  parkJob,
  settleFailedAttempt,
} from '@d2s/shared';
import type { Job } from 'bullmq';

export interface BackfillProcessorDeps {
  backfills: Pick<BackfillService, 'advance'>;
  config: Pick<D2sConfig, 'workers'>;
  logger: Logger;
  /** Queues backfill.finished for notifications.endpoints. */
  notifications?: Pick<NotificationEmitter, 'emit'>;
  metrics?: Pick<D2sMetrics, 'backfillLooks'>;
  now?: () => number;
}

/**
 * The backfill queue's processor. Each activation is one look (BackfillService.advance): start the next
 * values while fewer than maxConcurrent run, then park the job in `delayed` until the next look, holding
 * no worker slot; it completes once every value's sync has ended, or on cancel.
 */
export function createBackfillProcessor(deps: BackfillProcessorDeps) {
  const now = deps.now ?? Date.now;
  return async function processBackfill(job: Job, token?: string): Promise<unknown> {
    const data = parseJobData('backfill', 'backfill-run', job.data);
    const log = deps.logger.child({ backfillId: data.backfillId, jobId: job.id, dataset: data.dataset });
    try {
      const step = await deps.backfills.advance(data, (next) => job.updateData(next));
      if (step.done) {
        deps.metrics?.backfillLooks.inc({ outcome: 'finished' });
        log.info({ status: step.result.status }, 'backfill ended');
        await notifyFinished(data, step.result);
        return step.result;
      }
      deps.metrics?.backfillLooks.inc({ outcome: 'waiting' });
      return await parkJob(job, token, now)(deps.config.workers.export.pollInitialMs);
    } catch (error) {
      throw await settleFailedAttempt(job, error, {
        log,
        message: 'backfill step failed',
        onLastAttempt: async () => {
          deps.metrics?.backfillLooks.inc({ outcome: 'failed' });
          await notifyFinished(data, { status: 'failed' });
        },
      });
    }
  };

  async function notifyFinished(data: BackfillJobData, result: BackfillResult): Promise<void> {
    const { backfillId, dataset, parameter, from, to } = data;
    await deps.notifications?.emit(
      backfillFinishedEvent(
        { backfillId, dataset, parameter, from, to, status: result.status, counts: result.counts ?? {} },
        new Date(now()),
      ),
    );
  }
}
