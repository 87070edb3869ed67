import { type Logger, parseJobData, type SyncService } from '@d2s/shared';
import type { Job } from 'bullmq';

/**
 * A Job Scheduler fired: turn the firing into a sync. The fired job's id is
 * unique per firing, so as the idempotency key it makes a retried firing find
 * its sync instead of creating a second one.
 */
export async function fireSchedule(
  job: Job,
  deps: { syncs: Pick<SyncService, 'create'>; logger: Logger },
): Promise<{ syncId: string; created: boolean }> {
  const data = parseJobData('export', 'sync-scheduled', job.data);
  const result = await deps.syncs.create({
    dataset: data.dataset,
    parameters: data.parameters,
    idempotencyKey: `schedule:${job.id}`,
    origin: `schedule:${data.scheduleId}`,
  });
  deps.logger.info({ scheduleId: data.scheduleId, syncId: result.sync.id, created: result.created }, 'schedule fired');
  return { syncId: result.sync.id, created: result.created };
}
