import type { Job, Queue } from 'bullmq';

const EVERY_STATE = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * Every job of a queue, in any state, whose data belongs to this sync
 * (`data.request.syncId`). Counting them, rather than looking one up by its
 * expected id, is what catches a second job added under another id.
 */
export async function jobsOfSync(queue: Queue, syncId: string): Promise<Job[]> {
  const jobs = await queue.getJobs([...EVERY_STATE], 0, -1);
  return jobs.filter((job) => (job?.data as { request?: { syncId?: string } } | undefined)?.request?.syncId === syncId);
}
