import type { JobRun, TaskRun } from './run-registry.js';
import { isTerminal, type RunEnding, type RunProgress } from './run-state-machine.js';

/**
 * Each task of a multi-task run on its own clock. The parent's RUNNING window is cut into one slice per
 * dependency level: a task starts when the tasks it depends on have ended, so a task with upstream tasks is
 * BLOCKED until then ("The run is blocked on an upstream dependency", RunLifeCycleState in the SDKs' models).
 *
 * When the run fails, the failing task (`failing_task`, else the last) ends FAILED at the end of its slice;
 * every task downstream of it never runs and ends with result UPSTREAM_FAILED ("The run was skipped because of
 * an upstream failure") and termination code SKIPPED ("Run was never executed, for example, if the upstream
 * task run failed"): RunResultState and TerminationCodeCode in databricks-sdk-py service/jobs.py. A cancel
 * ends the tasks that had started CANCELED and the blocked ones UPSTREAM_CANCELED.
 */
export function taskProgress(run: JobRun, task: TaskRun, now: number): RunProgress {
  const parent = run.progress;
  if (task.canceledAt !== undefined && !isTerminal(parent.phase)) {
    return { ...parent, phase: 'TERMINATED', endedAt: task.canceledAt, ending: taskEndings.canceled() };
  }
  // The Jobs service itself failed: every task shares the parent's fate.
  if (parent.phase === 'INTERNAL_ERROR' || parent.ending?.lifeCycle === 'INTERNAL_ERROR') return { ...parent };
  if (parent.phase === 'SKIPPED') return { ...parent };
  const window = taskWindow(run, task);
  if (parent.runningAt === undefined || window === undefined) {
    // Not started yet (queued, waiting for a cluster, or cancelled before it ran).
    if (isTerminal(parent.phase) && parent.ending) {
      const ending = task.dependsOn.length > 0 ? taskEndings.upstreamCanceled() : parent.ending;
      return { ...parent, phase: ending.lifeCycle, ending };
    }
    return { ...parent, phase: task.dependsOn.length > 0 && parent.phase === 'PENDING' ? 'BLOCKED' : parent.phase };
  }

  const { startAt, endAt, outcome } = plannedOutcome(run, task, window);
  const stamped: RunProgress = {
    phase: 'RUNNING',
    queuedAt: window.depth === 0 ? parent.queuedAt : startAt,
    pendingAt: window.depth === 0 ? parent.pendingAt : startAt,
    runningAt: startAt,
  };
  const due = isTerminal(parent.phase) || parent.phase === 'TERMINATING' ? Number.POSITIVE_INFINITY : now;
  if (outcome === 'skip' || outcome === 'upstream_canceled') {
    if (due < endAt) return { ...stamped, phase: 'BLOCKED', runningAt: undefined, pendingAt: undefined };
    const ending =
      outcome === 'skip' ? taskEndings.upstreamFailed(upstreamOf(run, task)) : taskEndings.upstreamCanceled();
    return { phase: 'TERMINATED', queuedAt: endAt, endedAt: endAt, ending };
  }
  if (due < startAt) return { ...stamped, phase: 'BLOCKED', runningAt: undefined, pendingAt: undefined };
  if (due < endAt) return stamped;
  const ending =
    outcome === 'canceled'
      ? taskEndings.canceled()
      : outcome === 'failed'
        ? (parent.ending ?? failedEnding(run))
        : taskEndings.success();
  return { ...stamped, phase: 'TERMINATED', terminatingAt: endAt, endedAt: endAt, ending };
}

interface TaskWindow {
  depth: number;
  startAt: number;
  endAt: number;
}

type TaskOutcome = 'success' | 'failed' | 'skip' | 'canceled' | 'upstream_canceled';

function taskWindow(run: JobRun, task: TaskRun): TaskWindow | undefined {
  const runningAt = run.progress.runningAt;
  if (runningAt === undefined) return undefined;
  const depths = dependencyDepths(run.tasks);
  const levels = Math.max(...depths.values()) + 1;
  const slice = run.timing.runningMs / levels;
  const depth = depths.get(task.taskKey) ?? 0;
  return { depth, startAt: Math.round(runningAt + depth * slice), endAt: Math.round(runningAt + (depth + 1) * slice) };
}

function plannedOutcome(
  run: JobRun,
  task: TaskRun,
  window: TaskWindow,
): { startAt: number; endAt: number; outcome: TaskOutcome } {
  const { startAt, endAt } = window;
  const parent = run.progress;
  const canceledAt = parent.ending?.resultState === 'CANCELED' ? (parent.terminatingAt ?? parent.endedAt) : undefined;
  if (canceledAt !== undefined && canceledAt < endAt) {
    if (canceledAt < startAt || (startAt === canceledAt && task.dependsOn.length > 0)) {
      return { startAt: canceledAt, endAt: canceledAt, outcome: 'upstream_canceled' };
    }
    return { startAt, endAt: canceledAt, outcome: 'canceled' };
  }
  const failing = failingTask(run);
  if (failing !== undefined) {
    if (task.taskKey === failing.taskKey) return { startAt, endAt, outcome: 'failed' };
    if (downstreamOf(run.tasks, failing.taskKey).has(task.taskKey)) {
      const failedWindow = taskWindow(run, failing);
      const at = failedWindow?.endAt ?? endAt;
      return { startAt: at, endAt: at, outcome: 'skip' };
    }
  }
  return { startAt, endAt, outcome: 'success' };
}

/** The task that fails when the run is to fail (decided at run-now, or by a failed export at the end). */
function failingTask(run: JobRun): TaskRun | undefined {
  const ending = run.progress.ending;
  const failing = ending ? ending.resultState === 'FAILED' : run.plannedOutcome === 'FAILED';
  if (!failing) return undefined;
  const key = run.job.failing_task ?? run.tasks[run.tasks.length - 1]?.taskKey;
  return run.tasks.find((t) => t.taskKey === key);
}

function failedEnding(run: JobRun): RunEnding {
  return {
    lifeCycle: 'TERMINATED',
    resultState: 'FAILED',
    stateMessage: run.plannedMessage,
    userCancelledOrTimedout: false,
    termination: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: run.plannedMessage },
  };
}

function upstreamOf(run: JobRun, task: TaskRun): string {
  const failing = failingTask(run)?.taskKey;
  return failing !== undefined && task.dependsOn.includes(failing) ? failing : (task.dependsOn[0] ?? '');
}

/** Longest path from a root to each task (a task runs after all it depends on). Cycles count as roots. */
function dependencyDepths(tasks: TaskRun[]): Map<string, number> {
  const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (key: string): number => {
    const known = depths.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const task = byKey.get(key);
    const upstream = (task?.dependsOn ?? []).filter((k) => byKey.has(k));
    const depth = upstream.length === 0 ? 0 : Math.max(...upstream.map(depthOf)) + 1;
    visiting.delete(key);
    depths.set(key, depth);
    return depth;
  };
  for (const task of tasks) depthOf(task.taskKey);
  if (depths.size === 0) depths.set('', 0);
  return depths;
}

function downstreamOf(tasks: TaskRun[], key: string): Set<string> {
  const found = new Set<string>();
  let frontier = [key];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const task of tasks) {
      if (!found.has(task.taskKey) && task.dependsOn.some((k) => frontier.includes(k))) {
        found.add(task.taskKey);
        next.push(task.taskKey);
      }
    }
    frontier = next;
  }
  return found;
}

const taskEndings = {
  success: (): RunEnding => ({
    lifeCycle: 'TERMINATED',
    resultState: 'SUCCESS',
    stateMessage: '',
    userCancelledOrTimedout: false,
    termination: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
  }),
  canceled: (): RunEnding => ({
    lifeCycle: 'TERMINATED',
    resultState: 'CANCELED',
    stateMessage: 'Run cancelled.',
    userCancelledOrTimedout: true,
    termination: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Run cancelled.' },
  }),
  upstreamFailed: (upstream: string): RunEnding => {
    const message = `Upstream task ${upstream} failed.`;
    return {
      lifeCycle: 'TERMINATED',
      resultState: 'UPSTREAM_FAILED',
      stateMessage: message,
      userCancelledOrTimedout: false,
      termination: { code: 'SKIPPED', type: 'CLIENT_ERROR', message },
    };
  },
  upstreamCanceled: (): RunEnding => {
    const message = 'Upstream task was canceled.';
    return {
      lifeCycle: 'TERMINATED',
      resultState: 'UPSTREAM_CANCELED',
      stateMessage: message,
      userCancelledOrTimedout: false,
      termination: { code: 'SKIPPED', type: 'SUCCESS', message },
    };
  },
} as const;
