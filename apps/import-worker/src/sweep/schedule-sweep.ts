import { type D2sConfig, defaultJobOptions, parseJobData } from '@d2s/shared';
import type { Queue } from 'bullmq';

/** The one Job Scheduler of the cleanup sweep. */
export const CLEANUP_SWEEP_SCHEDULER = 'd2s-cleanup-sweep';

/**
 * Keeps the sweep's Job Scheduler in step with the configuration. Every
 * import worker calls it at start with the same scheduler id: BullMQ keeps one
 * scheduler per id, however many replicas upsert it, and each firing is one
 * job that one worker takes, so the sweep runs once per interval across
 * replicas. With no dataset to sweep, the scheduler is removed.
 */
export async function scheduleCleanupSweep(
  queue: Pick<Queue, 'upsertJobScheduler' | 'removeJobScheduler'>,
  config: Pick<D2sConfig, 'datasets' | 'cleanup' | 'api'>,
): Promise<'scheduled' | 'removed'> {
  const swept = Object.values(config.datasets).some((dataset) => (dataset.export.cleanup ?? 'keep') !== 'keep');
  if (!swept) {
    await queue.removeJobScheduler(CLEANUP_SWEEP_SCHEDULER);
    return 'removed';
  }
  const { jobId: _ignored, ...opts } = defaultJobOptions('import', 'cleanup-sweep', config.api.retentionSeconds);
  await queue.upsertJobScheduler(
    CLEANUP_SWEEP_SCHEDULER,
    { every: config.cleanup.sweepIntervalMinutes * 60_000 },
    { name: 'cleanup-sweep', data: parseJobData('import', 'cleanup-sweep', {}), opts },
  );
  return 'scheduled';
}
