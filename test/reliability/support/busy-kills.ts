import type { Job, Queue } from 'bullmq';

/**
 * How the chaos tests tell a kill that struck work from one that struck an
 * idle process: a kill counts as "busy" only when the killed process held an
 * active job at that moment. Before the kill the test notes the active jobs
 * the victim activated; once the process is dead, the ones still active with
 * the same activation (same processedOn) were held by it when it died (a dead
 * process moves nothing, and a job another worker took since has a new one).
 */

/** An active job as it was just before a kill. */
export interface ActiveJob {
  id: string;
  name: string;
  processedOn: number;
  processedBy: string | undefined;
}

export function activeJobOf(job: Job): ActiveJob {
  return {
    id: job.id as string,
    name: job.name,
    processedOn: job.processedOn as number,
    processedBy: job.processedBy,
  };
}

/** Active jobs of `queue` that `heldBy` claims for the victim (activated by it, say). */
export async function activeJobs(queue: Queue, heldBy: (job: Job) => boolean): Promise<(Job & { id: string })[]> {
  const active = await queue.getJobs(['active']);
  return active.filter((job): job is Job & { id: string } => job?.id !== undefined && heldBy(job));
}

/** Of the jobs noted before a kill, those the now-dead process still held: active, with the same activation. */
export async function stillHeld<T extends Pick<ActiveJob, 'id' | 'processedOn'>>(
  queue: Queue,
  before: readonly T[],
): Promise<T[]> {
  const held: T[] = [];
  for (const job of before) {
    const now = await queue.getJob(job.id);
    if (now && (await now.getState()) === 'active' && now.processedOn === job.processedOn) held.push(job);
  }
  return held;
}
