import { type Logger, parseJobData, renderParameters, type SyncService } from '@d2s/shared';
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
  const firedAt = firingTimeOf(job);
  const parameters = renderParameters(data.parameters, firedAt, data.timeZone ?? 'UTC');
  const result = await deps.syncs.create({
    dataset: data.dataset,
    parameters,
    idempotencyKey: `schedule:${job.id}`,
    origin: `schedule:${data.scheduleId}`,
  });
  deps.logger.info(
    { scheduleId: data.scheduleId, syncId: result.sync.id, created: result.created, firedAt: firedAt.toISOString() },
    'schedule fired',
  );
  return { syncId: result.sync.id, created: result.created };
}

/**
 * The time this firing was scheduled for, not when a worker got to it: a firing retried or picked up late
 * still means the same date. A Job Scheduler names each firing's job `repeat:<scheduler id>:<millis>`
 * (BullMQ's JobScheduler.getSchedulerNextJobId), and that id is all BullMQ keeps of it (`opts.prevMillis`
 * is not stored with the job).
 */
export function firingTimeOf(job: Pick<Job, 'id' | 'timestamp' | 'opts'>): Date {
  const scheduled = /^repeat:.*:(\d+)$/.exec(job.id ?? '');
  if (scheduled) return new Date(Number(scheduled[1]));
  return new Date(job.timestamp + (job.opts.delay ?? 0));
}
