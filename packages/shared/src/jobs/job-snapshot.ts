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

export async function snapshotOf(job: Job): Promise<JobSnapshot> {
  return {
    state: await job.getState(),
    data: job.data as Record<string, unknown>,
    progress: job.progress,
    returnvalue: job.returnvalue,
    failedReason: job.failedReason,
    timestamp: job.timestamp,
    processedOn: job.processedOn,
    finishedOn: job.finishedOn,
    attemptsMade: job.attemptsMade,
  };
}
