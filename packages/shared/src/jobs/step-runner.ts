import { DelayedError, type Job } from 'bullmq';
import { JobLockLostError } from '../errors.js';

/**
 * What a step decides: go straight on with another step, come back after a
 * delay (the job waits in `delayed` and frees its worker slot), or finish
 * the job with a result.
 */
export type StepResult<StepName extends string, Result> =
  | { readonly kind: 'next'; readonly step: StepName }
  | { readonly kind: 'reschedule'; readonly delayMs: number }
  | { readonly kind: 'done'; readonly result: Result };

/** One step of a step job: takes the job's context, does one thing, says what comes next. */
export type StepFunction<Context, StepName extends string, Result> = (
  ctx: Context,
) => Promise<StepResult<StepName, Result>>;

export type StepTable<Context, StepName extends string, Result> = {
  readonly [S in StepName]: StepFunction<Context, StepName, Result>;
};

export const nextStep = <StepName extends string>(step: StepName) => ({ kind: 'next', step }) as const;
export const rescheduleIn = (delayMs: number) => ({ kind: 'reschedule', delayMs }) as const;
export const finished = <Result>(result: Result) => ({ kind: 'done', result }) as const;

/** Parks a job until a delay has passed: BullMQ's step-job pattern (move to delayed, then throw DelayedError). */
export type ParkJob = (delayMs: number) => Promise<never>;

export interface RunStepsOptions<Context, StepName extends string> {
  /** Parks the job when a step reschedules it. */
  park: ParkJob;
  /**
   * Asked before every step and before parking: a step to run instead (a
   * cancel request, say), or undefined to go on. It is not asked again while
   * its own step runs, so that step may reschedule itself.
   */
  interrupt?: (ctx: Context, next: StepName) => Promise<StepName | undefined>;
  /**
   * BullMQ's signal for this activation: aborted when the worker could not renew its lock (see startWorker).
   * Checked before every step and before parking, so a replica that lost the job stops at the next boundary
   * instead of running its steps beside the replica that took the job over.
   */
  signal?: AbortSignal;
}

/**
 * Throws JOB_LOCK_LOST when BullMQ's signal says this worker lost the job's lock. The step runner asks before every
 * step; a processor asks too before work it does after its steps (an import's file cleanup, say).
 */
export function stopIfLockLost(signal: AbortSignal | undefined, next: string): void {
  if (!signal?.aborted) return;
  throw new JobLockLostError(`Lost the lock on this job before step "${next}"; another worker may hold it now.`, {
    details: { step: next },
  });
}

/**
 * Runs steps from `first` until one finishes the job or reschedules it.
 * A step that needs its state to survive a crash saves it itself before
 * returning: the runner cannot know which state matters.
 */
export async function runSteps<Context, StepName extends string, Result>(
  steps: StepTable<Context, StepName, Result>,
  first: StepName,
  ctx: Context,
  options: RunStepsOptions<Context, StepName>,
): Promise<Result> {
  const seen: StepName[] = [];
  let current = first;
  let interrupted = false;
  const redirect = async (next: StepName): Promise<StepName | undefined> => {
    if (interrupted || !options.interrupt) return undefined;
    const instead = await options.interrupt(ctx, next);
    if (instead !== undefined) interrupted = true;
    return instead;
  };
  current = (await redirect(current)) ?? current;
  for (;;) {
    stopIfLockLost(options.signal, current);
    seen.push(current);
    // Steps only move forward; a cycle within one activation is a bug that would spin the worker.
    if (seen.length > Object.keys(steps).length) throw new Error(`Step loop: ${seen.join(' → ')}`);
    const outcome = await steps[current](ctx);
    if (outcome.kind === 'done') return outcome.result;
    if (outcome.kind === 'reschedule') {
      const instead = await redirect(current);
      if (instead === undefined) {
        stopIfLockLost(options.signal, current);
        return options.park(outcome.delayMs);
      }
      current = instead;
      continue;
    }
    current = (await redirect(outcome.step)) ?? outcome.step;
  }
}

/** Parks a BullMQ job: the token is the worker's lock token for this activation. */
export function parkJob(job: Pick<Job, 'moveToDelayed'>, token: string | undefined, now: () => number): ParkJob {
  return async (delayMs) => {
    await job.moveToDelayed(now() + Math.max(0, Math.round(delayMs)), token);
    throw new DelayedError();
  };
}
