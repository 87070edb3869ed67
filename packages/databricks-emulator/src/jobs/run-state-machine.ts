/**
 * The life cycle of one job run, as pure data and functions over a clock:
 *
 *   QUEUED ──(slot free)──▶ PENDING ──pending_ms──▶ RUNNING ──running_ms──▶ TERMINATING ──terminating_ms──▶ TERMINATED
 *                                                        └──(INTERNAL_ERROR outcome)──▶ INTERNAL_ERROR
 *   cancel: QUEUED ▶ TERMINATED/CANCELED at once; PENDING/RUNNING ▶ TERMINATING ▶ TERMINATED/CANCELED.
 *   SKIPPED: created when the concurrency limit is reached and queueing is off.
 *
 * Transitions are stamped at their due time (not at the time someone looked), so a run's
 * timestamps do not depend on how often it is polled.
 */

/**
 * BLOCKED (waiting for the tasks it depends on) and WAITING_FOR_RETRY (a retry attempt waiting for its start) are
 * states of task runs only.
 */
export type LifeCycleState =
  | 'QUEUED'
  | 'PENDING'
  | 'BLOCKED'
  | 'WAITING_FOR_RETRY'
  | 'RUNNING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR';

export type ResultState =
  'SUCCESS' | 'FAILED' | 'CANCELED' | 'MAXIMUM_CONCURRENT_RUNS_REACHED' | 'UPSTREAM_FAILED' | 'UPSTREAM_CANCELED';

/** RunStatus.state (RunLifecycleStateV2State); terminal states all read TERMINATED, WAITING_FOR_RETRY reads WAITING. */
export type StatusState = 'QUEUED' | 'PENDING' | 'BLOCKED' | 'WAITING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

export interface TerminationDetails {
  code: string;
  type: 'SUCCESS' | 'INTERNAL_ERROR' | 'CLIENT_ERROR' | 'CLOUD_FAILURE';
  message: string;
}

/** How a run or a task run ends: decided when it leaves RUNNING (or when it is cancelled or skipped). */
export interface RunEnding {
  lifeCycle: 'TERMINATED' | 'SKIPPED' | 'INTERNAL_ERROR';
  resultState: ResultState;
  stateMessage: string;
  userCancelledOrTimedout: boolean;
  termination: TerminationDetails;
}

export interface RunTiming {
  pendingMs: number;
  runningMs: number;
  terminatingMs: number;
}

export interface RunProgress {
  phase: LifeCycleState;
  /** Trigger time (start_time). */
  queuedAt: number;
  pendingAt?: number;
  runningAt?: number;
  terminatingAt?: number;
  endedAt?: number;
  ending?: RunEnding;
}

export interface Transition {
  to: LifeCycleState;
  at: number;
}

export const TERMINAL_STATES: ReadonlySet<LifeCycleState> = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

export function isTerminal(phase: LifeCycleState): boolean {
  return TERMINAL_STATES.has(phase);
}

export function statusState(phase: LifeCycleState): StatusState {
  if (phase === 'WAITING_FOR_RETRY') return 'WAITING';
  return isTerminal(phase) ? 'TERMINATED' : (phase as StatusState);
}

/**
 * The next transition due for a run, or undefined if none is due yet. `canStart` says whether a
 * QUEUED run may leave the queue now; `plannedLifeCycle` is where RUNNING goes when it ends.
 */
export function nextTransition(
  progress: RunProgress,
  timing: RunTiming,
  now: number,
  canStart: () => boolean,
  plannedLifeCycle: 'TERMINATED' | 'INTERNAL_ERROR',
): Transition | undefined {
  switch (progress.phase) {
    case 'QUEUED':
      return canStart() ? { to: 'PENDING', at: Math.max(now, progress.queuedAt) } : undefined;
    case 'PENDING':
      return due({ to: 'RUNNING', at: (progress.pendingAt ?? progress.queuedAt) + timing.pendingMs }, now);
    case 'RUNNING': {
      const at = (progress.runningAt ?? progress.queuedAt) + timing.runningMs;
      return due({ to: plannedLifeCycle === 'INTERNAL_ERROR' ? 'INTERNAL_ERROR' : 'TERMINATING', at }, now);
    }
    case 'TERMINATING':
      return due({ to: 'TERMINATED', at: (progress.terminatingAt ?? progress.queuedAt) + timing.terminatingMs }, now);
    default:
      return undefined;
  }
}

/** Applies a transition; a terminal one needs the ending. */
export function applyTransition(progress: RunProgress, transition: Transition, ending?: RunEnding): void {
  progress.phase = transition.to;
  switch (transition.to) {
    case 'PENDING':
      progress.pendingAt = transition.at;
      break;
    case 'RUNNING':
      progress.runningAt = transition.at;
      break;
    case 'TERMINATING':
      progress.terminatingAt = transition.at;
      if (ending) progress.ending ??= ending;
      break;
    default:
      progress.endedAt = transition.at;
      if (ending) progress.ending ??= ending;
      if (progress.ending) progress.phase = progress.ending.lifeCycle;
  }
}

/** Cancels a run at `now`; returns false if it had already ended. */
export function cancel(progress: RunProgress, now: number, ending: RunEnding): boolean {
  if (isTerminal(progress.phase)) return false;
  if (progress.phase === 'QUEUED') {
    progress.ending = ending;
    progress.endedAt = now;
    progress.phase = ending.lifeCycle;
    return true;
  }
  if (progress.phase === 'TERMINATING') return true; // already cleaning up; keeps its outcome
  progress.ending = ending;
  progress.terminatingAt = now;
  progress.phase = 'TERMINATING';
  return true;
}

function due(transition: Transition, now: number): Transition | undefined {
  return spanPhase({ startAt: Number.NEGATIVE_INFINITY, endAt: transition.at }, now) === 'after'
    ? transition
    : undefined;
}

/** A stretch of emulated time: a run's phase, or one attempt of a task. */
export interface Span {
  startAt: number;
  endAt: number;
}

/**
 * Where `now` falls in a span: the one reading of elapsed time that runs (nextTransition) and task attempts
 * (task-timeline.ts) share, so a run and its tasks agree on the instant a phase ends (`endAt` itself is after).
 */
export function spanPhase(span: Span, now: number): 'before' | 'within' | 'after' {
  if (now < span.startAt) return 'before';
  return now < span.endAt ? 'within' : 'after';
}

/** Every ending a run or a task run can have, in one table: the run's state machine and the task timeline both use it. */
export const endings = {
  success: (): RunEnding => ({
    lifeCycle: 'TERMINATED',
    resultState: 'SUCCESS',
    stateMessage: '',
    userCancelledOrTimedout: false,
    termination: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
  }),
  failed: (message: string): RunEnding => ({
    lifeCycle: 'TERMINATED',
    resultState: 'FAILED',
    stateMessage: message,
    userCancelledOrTimedout: false,
    termination: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message },
  }),
  internalError: (message: string): RunEnding => ({
    lifeCycle: 'INTERNAL_ERROR',
    resultState: 'FAILED',
    stateMessage: message,
    userCancelledOrTimedout: false,
    termination: { code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR', message },
  }),
  canceled: (): RunEnding => ({
    lifeCycle: 'TERMINATED',
    resultState: 'CANCELED',
    stateMessage: 'Run cancelled.',
    userCancelledOrTimedout: true,
    termination: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Run cancelled.' },
  }),
  skipped: (maxConcurrentRuns: number): RunEnding => {
    const message = `Skipping this run because the limit of ${maxConcurrentRuns} maximum concurrent runs has been reached.`;
    return {
      lifeCycle: 'SKIPPED',
      resultState: 'MAXIMUM_CONCURRENT_RUNS_REACHED',
      stateMessage: message,
      userCancelledOrTimedout: false,
      termination: { code: 'MAX_CONCURRENT_RUNS_EXCEEDED', type: 'CLIENT_ERROR', message },
    };
  },
  /** A task that never ran because a task upstream of it failed (RunResultState UPSTREAM_FAILED, code SKIPPED). */
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
  /** A task still blocked when its run was cancelled. */
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
