import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { JobLockLostError } from '../errors.js';
import { toJobError } from '../sync/job-failure.js';

/** Whether a failure ends the job: BullMQ will not retry an unrecoverable error or a last attempt. */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>, jobError: Error): boolean {
  return jobError instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

export interface SettleOptions {
  log: Logger;
  /** The log message for the failure, e.g. "export step failed". */
  message: string;
  /**
   * Runs once, when this failure ends the job (the dataset is released, the
   * outcome counted, the failure recorded). Its own errors are logged, never
   * thrown: the job's failure is what BullMQ must see.
   */
  onLastAttempt?: (error: unknown) => Promise<void>;
}

/**
 * The one place a failed attempt is settled, for every processor: turn the
 * error into what BullMQ keeps (a coded message; unrecoverable when retrying
 * cannot help), do the last-attempt bookkeeping, log it once. Returns the
 * error to throw. A parked step job (DelayedError) is not a failure, nor a lost lock (JobLockLostError).
 */
export async function settleFailedAttempt(
  job: Pick<Job, 'attemptsMade' | 'opts'>,
  error: unknown,
  options: SettleOptions,
): Promise<Error> {
  if (error instanceof DelayedError) return error;
  // Not this worker's job any more: whoever holds the lock settles it. BullMQ refuses this worker's move anyway.
  if (error instanceof JobLockLostError) {
    options.log.warn({ err: error }, `${options.message}: lock lost, the job is left to the worker that holds it`);
    return error;
  }
  const jobError = toJobError(error);
  const last = isLastAttempt(job, jobError);
  if (last && options.onLastAttempt) {
    await options.onLastAttempt(error).catch((bookkeepingError: unknown) => {
      options.log.error({ err: bookkeepingError }, 'could not record the end of the job');
    });
  }
  options.log[last ? 'error' : 'warn']({ err: error, final: last }, options.message);
  return jobError;
}
