import type { Job } from 'bullmq';

/** What a status (sync or mirror run) needs from one BullMQ job: its state and its fields, read once. */
export interface JobSnapshot {
  state: string;
  data: Record<string, unknown>;
  progress: unknown;
  returnvalue: unknown;
  failedReason?: string | undefined;
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  attemptsMade: number;
}

/**
 * Reads a job's state and fields as one consistent snapshot. The state is read
 * after the fields, so a job that finished in between looks finished but has
 * no result yet (no failedReason, no finishedOn): it is then read again, or its
 * failure would show without its coded reason.
 */
export async function snapshotOf(job: Job, reload?: () => Promise<Job | undefined>): Promise<JobSnapshot> {
  const state = await job.getState();
  let current = job;
  if ((state === 'failed' || state === 'completed') && job.finishedOn === undefined && reload) {
    current = (await reload()) ?? job;
  }
  return {
    state,
    data: current.data as Record<string, unknown>,
    progress: current.progress,
    returnvalue: current.returnvalue,
    failedReason: current.failedReason,
    timestamp: current.timestamp,
    processedOn: current.processedOn,
    finishedOn: current.finishedOn,
    attemptsMade: current.attemptsMade,
  };
}
