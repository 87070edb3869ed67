import { dependencyDepths, inDependencyOrder, type TaskNode } from './task-graph.js';

/**
 * A task's retry policy, from the Jobs API's `Task`: `max_retries` ("A run is considered to be unsuccessful if it
 * completes with the FAILED result_state […]. The value -1 means to retry indefinitely and the value 0 means to
 * never retry"), `min_retry_interval_millis` ("minimal interval in milliseconds between the start of the failed run
 * and the subsequent retry run. The default behavior is that unsuccessful runs are immediately retried") and
 * `retry_on_timeout` (@databricks/sdk-experimental jobs model, `Task`).
 */
export interface TaskRetryPolicy {
  maxRetries: number;
  /** Already scaled by the emulator's time scale. */
  minRetryIntervalMs: number;
  retryOnTimeout: boolean;
  /** Emulator knob: how many of the first attempts fail. */
  failAttempts: number;
}

export const NO_RETRIES: TaskRetryPolicy = {
  maxRetries: 0,
  minRetryIntervalMs: 0,
  retryOnTimeout: false,
  failAttempts: 0,
};

/** One attempt of a task, as offsets (ms) from the moment its run starts RUNNING. */
export interface PlannedAttempt {
  attemptNumber: number;
  /** When the attempt exists: at the run's start for attempt 0, when the previous attempt failed for a retry. */
  appearOffsetMs: number;
  startOffsetMs: number;
  endOffsetMs: number;
  fails: boolean;
}

export interface AttemptPlanInput extends TaskNode {
  retry: TaskRetryPolicy;
}

export interface AttemptPlan {
  attempts: Map<string, PlannedAttempt[]>;
  /** Tasks whose last attempt fails (and the run with them); tasks downstream of them never run. */
  failingTaskKeys: string[];
  /** How long the run stays RUNNING: the fixture's running time, longer when retries need it. */
  runningMs: number;
}

/**
 * A task that always fails and retries indefinitely (`max_retries: -1`) would keep its run RUNNING for ever, as it
 * would on Databricks; the emulator stops after this many attempts so a run still ends.
 */
export const ATTEMPTS_WHEN_RETRYING_FOREVER = 20;

/**
 * Plans every attempt of every task of a run when the run is created. The fixture's running time is cut into one
 * slice per dependency level and each attempt takes one slice; a retry starts when the failed attempt ends, or
 * `min_retry_interval_millis` after it started if that is later. A task starts when the last attempts of all the
 * tasks it depends on have ended, so a retry upstream delays everything downstream of it.
 *
 * `alwaysFailing` names a task that fails on every attempt (the run was told to fail); a task with
 * `fail_attempts > max_retries` fails too, after its last retry.
 */
export function planAttempts(
  tasks: readonly AttemptPlanInput[],
  options: { runningMs: number; alwaysFailing?: string },
): AttemptPlan {
  const depths = dependencyDepths(tasks);
  const sliceMs = options.runningMs / (Math.max(...depths.values()) + 1);
  const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
  const attempts = new Map<string, PlannedAttempt[]>();
  const lastEnd = new Map<string, number>();
  const failingTaskKeys: string[] = [];
  const neverRuns = new Set<string>();

  for (const task of inDependencyOrder(tasks)) {
    const upstream = task.dependsOn.filter((key) => byKey.has(key) && key !== task.taskKey);
    const startAt = Math.max(0, ...upstream.map((key) => lastEnd.get(key) ?? 0));
    if (upstream.some((key) => neverRuns.has(key) || failingTaskKeys.includes(key))) {
      // Skipped: UPSTREAM_FAILED the moment its upstream task has failed for good.
      neverRuns.add(task.taskKey);
      attempts.set(task.taskKey, [
        { attemptNumber: 0, appearOffsetMs: startAt, startOffsetMs: startAt, endOffsetMs: startAt, fails: false },
      ]);
      lastEnd.set(task.taskKey, startAt);
      continue;
    }
    const { count, failures } = attemptCount(task, task.taskKey === options.alwaysFailing);
    const planned: PlannedAttempt[] = [];
    for (let n = 0; n < count; n++) {
      const previous = planned[n - 1];
      const start = previous
        ? Math.max(previous.endOffsetMs, previous.startOffsetMs + task.retry.minRetryIntervalMs)
        : startAt;
      planned.push({
        attemptNumber: n,
        appearOffsetMs: previous ? previous.endOffsetMs : startAt,
        startOffsetMs: start,
        endOffsetMs: start + sliceMs,
        fails: n < failures,
      });
    }
    if (planned.at(-1)?.fails) failingTaskKeys.push(task.taskKey);
    attempts.set(task.taskKey, planned);
    lastEnd.set(task.taskKey, planned.at(-1)?.endOffsetMs ?? startAt);
  }
  const longest = Math.round(Math.max(0, ...lastEnd.values()));
  return { attempts, failingTaskKeys, runningMs: Math.max(options.runningMs, longest) };
}

/** How many attempts a task makes and how many of them fail. */
function attemptCount(task: AttemptPlanInput, alwaysFails: boolean): { count: number; failures: number } {
  const { maxRetries, failAttempts } = task.retry;
  const forever = maxRetries < 0;
  if (alwaysFails) {
    const count = forever ? ATTEMPTS_WHEN_RETRYING_FOREVER : maxRetries + 1;
    return { count, failures: count };
  }
  // "Runs are retried only until they succeed, and the maximum attempt_number is the same as the max_retries
  // value" (RunTask.attempt_number).
  const count = forever ? failAttempts + 1 : Math.min(failAttempts, maxRetries) + 1;
  return { count, failures: Math.min(failAttempts, count) };
}
