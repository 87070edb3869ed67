import type { JobRun, TaskAttempt, TaskRun } from './run-registry.js';
import { endings, isTerminal, type RunProgress, type Span, spanPhase } from './run-state-machine.js';
import { dependencyDepths } from './task-graph.js';

/**
 * Each attempt of each task of a run on its own clock, from the plan made at run-now (attempt-plan.ts): a task with
 * upstream tasks is BLOCKED until they end ("The run is blocked on an upstream dependency", RunLifeCycleState in the
 * SDKs' models), then runs.
 *
 * A failed attempt of a task with retries left ends FAILED, and its retry appears at once as a new entry of the
 * run's `tasks` with its own `run_id` and the next `attempt_number` (apache/airflow#72313, checked against a live
 * workspace: "the API returns two entries for that task — attempt_number 0 and 1, both FAILED, with different task
 * run ids"). Until the retry starts (`min_retry_interval_millis` after the failed attempt started) it is
 * WAITING_FOR_RETRY ("The run is waiting for a retry"; RunLifecycleStateV2State `WAITING`), and the parent run stays
 * RUNNING. That the waiting retry is a new entry, not the failed one changing state, is not documented; it is the
 * reading that keeps the failed attempt's own result, which #72313 shows.
 *
 * When the run fails, the failing task (`failing_task`, else the last, or a task out of retries) ends FAILED; every
 * task downstream of it never runs and ends with result UPSTREAM_FAILED ("The run was skipped because of an upstream
 * failure") and termination code SKIPPED ("Run was never executed, for example, if the upstream task run failed"):
 * RunResultState and TerminationCodeCode in databricks-sdk-py service/jobs.py. A cancel ends the attempts that had
 * started (or were waiting for their retry) CANCELED and the blocked tasks UPSTREAM_CANCELED.
 *
 * A task is one more reading of the run's model (run-state-machine.ts): its attempts are spans read with the run's
 * `spanPhase`, and it ends with one of the run's `endings`, so a run and its tasks cannot disagree on either.
 */
export function taskProgress(run: JobRun, task: TaskRun, now: number, attemptNumber = 0): RunProgress {
  const parent = run.progress;
  const attempt = task.attempts[attemptNumber] ?? task.attempts[0];
  if (task.canceledAt !== undefined && !isTerminal(parent.phase) && isLatestAttempt(run, task, attemptNumber, now)) {
    return { ...parent, phase: 'TERMINATED', endedAt: task.canceledAt, ending: endings.canceled() };
  }
  // The Jobs service itself failed: every task shares the parent's fate.
  if (parent.phase === 'INTERNAL_ERROR' || parent.ending?.lifeCycle === 'INTERNAL_ERROR') return { ...parent };
  if (parent.phase === 'SKIPPED') return { ...parent };
  const runningAt = parent.runningAt;
  if (runningAt === undefined || attempt === undefined) {
    // Not started yet (queued, waiting for a cluster, or cancelled before it ran).
    if (isTerminal(parent.phase) && parent.ending) {
      const ending = task.dependsOn.length > 0 ? endings.upstreamCanceled() : parent.ending;
      return { ...parent, phase: ending.lifeCycle, ending };
    }
    return { ...parent, phase: task.dependsOn.length > 0 && parent.phase === 'PENDING' ? 'BLOCKED' : parent.phase };
  }

  const window = attemptWindow(runningAt, attempt);
  const { startAt, endAt, outcome } = plannedOutcome(run, task, attempt, window);
  const first = attempt.attemptNumber === 0;
  const rootTask = first && (dependencyDepths(run.tasks).get(task.taskKey) ?? 0) === 0;
  const stamped: RunProgress = {
    phase: 'RUNNING',
    queuedAt: rootTask ? parent.queuedAt : startAt,
    pendingAt: rootTask ? parent.pendingAt : startAt,
    runningAt: startAt,
  };
  // Once the run is ending, every planned attempt has played out, whatever the clock says.
  const seenAt = isTerminal(parent.phase) || parent.phase === 'TERMINATING' ? Number.POSITIVE_INFINITY : now;
  const phase = spanPhase({ startAt, endAt }, seenAt);
  if (outcome === 'skip' || outcome === 'upstream_canceled') {
    if (phase !== 'after') return { ...stamped, phase: 'BLOCKED', runningAt: undefined, pendingAt: undefined };
    const ending = outcome === 'skip' ? endings.upstreamFailed(upstreamOf(run, task)) : endings.upstreamCanceled();
    return { phase: 'TERMINATED', queuedAt: endAt, endedAt: endAt, ending };
  }
  if (outcome === 'canceled_waiting') {
    return { phase: 'TERMINATED', queuedAt: window.appearAt, endedAt: endAt, ending: endings.canceled() };
  }
  if (phase === 'before') {
    if (!first) return { phase: 'WAITING_FOR_RETRY', queuedAt: window.appearAt };
    return { ...stamped, phase: 'BLOCKED', runningAt: undefined, pendingAt: undefined };
  }
  if (phase === 'within') return stamped;
  const ending =
    outcome === 'canceled'
      ? endings.canceled()
      : outcome === 'failed'
        ? (parent.ending ?? endings.failed(run.plannedMessage))
        : outcome === 'failed_attempt'
          ? endings.failed(run.plannedMessage)
          : endings.success();
  return { ...stamped, phase: 'TERMINATED', terminatingAt: endAt, endedAt: endAt, ending };
}

/**
 * The attempts of a task that exist at `now`: the first always; a retry once the attempt before it has failed, and
 * not if the run or the task was cancelled before that.
 */
export function visibleAttempts(run: JobRun, task: TaskRun, now: number): TaskAttempt[] {
  const runningAt = run.progress.runningAt;
  const serviceEnded = run.progress.phase === 'SKIPPED' || run.progress.ending?.lifeCycle === 'INTERNAL_ERROR';
  if (runningAt === undefined || serviceEnded) return task.attempts.slice(0, 1);
  const parentDone = isTerminal(run.progress.phase) || run.progress.phase === 'TERMINATING';
  let horizon = parentDone ? Number.POSITIVE_INFINITY : now;
  const canceledAt = runCanceledAt(run);
  if (canceledAt !== undefined) horizon = Math.min(horizon, canceledAt);
  if (task.canceledAt !== undefined) horizon = Math.min(horizon, task.canceledAt);
  return task.attempts.filter((a) => a.attemptNumber === 0 || attemptWindow(runningAt, a).appearAt <= horizon);
}

function isLatestAttempt(run: JobRun, task: TaskRun, attemptNumber: number, now: number): boolean {
  return (visibleAttempts(run, task, now).at(-1)?.attemptNumber ?? 0) === attemptNumber;
}

interface AttemptWindow extends Span {
  appearAt: number;
}

function attemptWindow(runningAt: number, attempt: TaskAttempt): AttemptWindow {
  return {
    appearAt: Math.round(runningAt + attempt.appearOffsetMs),
    startAt: Math.round(runningAt + attempt.startOffsetMs),
    endAt: Math.round(runningAt + attempt.endOffsetMs),
  };
}

type TaskOutcome =
  'success' | 'failed' | 'failed_attempt' | 'skip' | 'canceled' | 'canceled_waiting' | 'upstream_canceled';

function plannedOutcome(
  run: JobRun,
  task: TaskRun,
  attempt: TaskAttempt,
  window: AttemptWindow,
): { startAt: number; endAt: number; outcome: TaskOutcome } {
  const { startAt, endAt } = window;
  const canceledAt = runCanceledAt(run);
  if (canceledAt !== undefined && canceledAt < endAt) {
    if (attempt.attemptNumber > 0) {
      // A retry is cancelled while it waits or while it runs; it did exist (visibleAttempts hides later ones).
      return canceledAt < startAt
        ? { startAt, endAt: canceledAt, outcome: 'canceled_waiting' }
        : { startAt, endAt: canceledAt, outcome: 'canceled' };
    }
    if (canceledAt < startAt || (startAt === canceledAt && task.dependsOn.length > 0)) {
      return { startAt: canceledAt, endAt: canceledAt, outcome: 'upstream_canceled' };
    }
    return { startAt, endAt: canceledAt, outcome: 'canceled' };
  }
  const failing = failingTasks(run);
  const lastAttempt = attempt.attemptNumber === task.attempts.length - 1;
  if (failing.has(task.taskKey) && lastAttempt) return { startAt, endAt, outcome: 'failed' };
  if (attempt.fails) return { startAt, endAt, outcome: 'failed_attempt' };
  if (isDownstreamOfFailure(run, task, failing)) {
    const at = Math.max(startAt, upstreamFailedAt(run, task, failing));
    return { startAt: at, endAt: at, outcome: 'skip' };
  }
  return { startAt, endAt, outcome: 'success' };
}

function runCanceledAt(run: JobRun): number | undefined {
  const parent = run.progress;
  return parent.ending?.resultState === 'CANCELED' ? (parent.terminatingAt ?? parent.endedAt) : undefined;
}

/**
 * The tasks that fail for good when the run is to fail: planned at run-now (a task out of retries, or the run told
 * to fail), else, for a failure found only as the run ends (a failed export), `failing_task` or the last task.
 */
function failingTasks(run: JobRun): Set<string> {
  const ending = run.progress.ending;
  const failing = ending ? ending.resultState === 'FAILED' : run.plannedOutcome === 'FAILED';
  if (!failing) return new Set();
  if (run.failingTaskKeys.length > 0) return new Set(run.failingTaskKeys);
  const key = run.job.failing_task ?? run.tasks[run.tasks.length - 1]?.taskKey;
  return new Set(key === undefined ? [] : [key]);
}

function isDownstreamOfFailure(run: JobRun, task: TaskRun, failing: Set<string>): boolean {
  const seen = new Set<string>();
  const byKey = new Map(run.tasks.map((t) => [t.taskKey, t]));
  let frontier = [...task.dependsOn];
  while (frontier.length > 0) {
    const key = frontier.pop() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    if (failing.has(key)) return true;
    frontier = frontier.concat(byKey.get(key)?.dependsOn ?? []);
  }
  return false;
}

/** When the failing task upstream of `task` ended (its last attempt), relative to the run's start of RUNNING. */
function upstreamFailedAt(run: JobRun, task: TaskRun, failing: Set<string>): number {
  const runningAt = run.progress.runningAt ?? 0;
  let at = 0;
  for (const t of run.tasks) {
    if (!failing.has(t.taskKey)) continue;
    const last = t.attempts.at(-1);
    if (last && isDownstreamOfFailure(run, task, new Set([t.taskKey]))) {
      at = Math.max(at, attemptWindow(runningAt, last).endAt);
    }
  }
  return at;
}

function upstreamOf(run: JobRun, task: TaskRun): string {
  const failing = failingTasks(run);
  const direct = task.dependsOn.find((key) => failing.has(key));
  return direct ?? task.dependsOn[0] ?? '';
}
