import type { Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BackfillId } from '../jobs/catalog.js';

/** The backfill a sync belongs to, from its origin (`backfill:<id>`, set when the backfill created it). */
export function backfillIdOf(origin: unknown): string | undefined {
  if (typeof origin !== 'string' || !origin.startsWith('backfill:')) return undefined;
  const id = origin.slice('backfill:'.length);
  return BackfillId.safeParse(id).success ? id : undefined;
}

/**
 * Wakes a backfill when one of its syncs has ended, so it starts the next value at once instead of at its
 * next look (workers.export.pollInitialMs later). Listens to the worker's own events, which fire after
 * BullMQ has recorded the job's end: a look woken earlier (from inside the processor) would still see the
 * sync running and park again. A lost event (a crash between the two) costs only that wait: the backfill's
 * own looks stay the safety net. A backfill that is looking right now is not delayed, and needs no wake.
 */
export function wakeBackfillsOnSyncEnd(
  worker: Worker,
  backfillQueue: Pick<Queue, 'getJob'>,
  logger: Pick<Logger, 'debug' | 'warn'>,
): void {
  const wake = async (job: Job) => {
    const request = (job.data as { request?: { origin?: unknown } } | undefined)?.request;
    const backfillId = backfillIdOf(request?.origin);
    if (!backfillId) return;
    const backfill = await backfillQueue.getJob(backfillId);
    if (!backfill || (await backfill.getState()) !== 'delayed') return;
    await backfill.promote();
    logger.debug({ backfillId, jobId: job.id }, 'backfill woken by the end of one of its syncs');
  };
  const safely = (job: Job) =>
    wake(job).catch((error: unknown) => {
      // Promoted by someone else meanwhile, or Redis busy: the backfill's next look covers it.
      logger.warn({ err: error, jobId: job.id }, 'could not wake the backfill; it looks again on its own');
    });
  // Export jobs complete at the hand-off (the sync goes on); import jobs complete when the sync has ended.
  worker.on('completed', (job) => {
    if (worker.name === 'import') void safely(job);
  });
  // A failure ends the sync only when BullMQ will not retry it.
  worker.on('failed', (job) => {
    if (!job) return;
    void job
      .getState()
      .then((state) => (state === 'failed' ? safely(job) : undefined))
      .catch(() => undefined);
  });
}
