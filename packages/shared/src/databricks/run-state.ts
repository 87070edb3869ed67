import type { Run, RunState, RunStatus, RunTask, TerminationType } from './jobs-types.js';

/**
 * Where a Databricks run stands, in d2s's terms. `pending`, `running` and `terminating` are still in progress;
 * `succeeded`, `failed` and `canceled` are final.
 */
export type RunPhase = 'pending' | 'running' | 'terminating' | 'succeeded' | 'failed' | 'canceled';

/** Why a finished run did not succeed: everything a user needs to understand and find it. */
export interface RunFailure {
  /** The most specific code known: termination code, else result state, else life-cycle state. */
  code: string;
  /** Never empty: Databricks' message, or a sentence built from the code. */
  message: string;
  runPageUrl: string | undefined;
  terminationType: TerminationType | undefined;
  /** Caused by the job's input or configuration (`CLIENT_ERROR`): running it again unchanged will fail again. */
  isClientError: boolean;
}

export interface RunStateSummary {
  phase: RunPhase;
  /** `state.life_cycle_state`, else `status.state`. */
  lifeCycleState: string | undefined;
  /** `state.result_state`; absent until the run is terminal (and absent when only `status` is returned). */
  resultState: string | undefined;
  /** `status.termination_details.message`, else `state.state_message` (first non-empty). */
  message: string | undefined;
  runPageUrl: string | undefined;
  terminationCode: string | undefined;
  terminationType: TerminationType | undefined;
  /** Set when the phase is `failed` or `canceled`. */
  failure?: RunFailure;
}

/** The parts of a Run (or of one of its tasks) that tell its state. */
export interface RunStateInput {
  state?: RunState | undefined;
  status?: RunStatus | undefined;
  run_page_url?: string | undefined;
}

/** Life-cycle states after which nothing changes any more (`state` object). */
const TERMINAL_LIFE_CYCLE = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);
const WAITING_LIFE_CYCLE = new Set(['QUEUED', 'PENDING', 'BLOCKED', 'WAITING_FOR_RETRY', 'WAITING']);
const CANCELED_CODES = new Set(['CANCELED', 'USER_CANCELED']);

/**
 * Maps a run's `state` and newer `status` objects (either may be missing) to a phase. Pure: no I/O, no clock.
 *
 * - Terminal when `state.life_cycle_state` is TERMINATED, SKIPPED or INTERNAL_ERROR, or `status.state` is
 *   TERMINATED. Every other state, including ones Databricks adds in future, counts as in progress
 *   (QUEUED / PENDING / BLOCKED / WAITING… → pending, TERMINATING → terminating, anything else → running).
 * - A terminal run succeeded only when `state.result_state` is SUCCESS, or, without a result state, when
 *   `status.termination_details.code` is SUCCESS. SUCCESS_WITH_FAILURES, SKIPPED, EXCLUDED, TIMEDOUT, UPSTREAM_*,
 *   MAXIMUM_CONCURRENT_RUNS_REACHED, INTERNAL_ERROR, an unknown code, or no code at all: failed.
 * - CANCELED (result state) or USER_CANCELED / CANCELED (termination code): canceled, with a failure too.
 */
export function classifyRunState(run: RunStateInput): RunStateSummary {
  const lifeCycle = nonEmpty(run.state?.life_cycle_state);
  const v2State = nonEmpty(run.status?.state);
  const resultState = nonEmpty(run.state?.result_state);
  const termination = run.status?.termination_details;
  const terminationCode = nonEmpty(termination?.code);
  const terminationType = nonEmpty(termination?.type);
  const message = nonEmpty(termination?.message) ?? nonEmpty(run.state?.state_message);
  const runPageUrl = nonEmpty(run.run_page_url);
  const lifeCycleState = lifeCycle ?? v2State;

  const summary: RunStateSummary = {
    phase: 'running',
    lifeCycleState,
    resultState,
    message,
    runPageUrl,
    terminationCode,
    terminationType,
  };

  const terminal = (lifeCycle !== undefined && TERMINAL_LIFE_CYCLE.has(lifeCycle)) || v2State === 'TERMINATED';
  if (!terminal) {
    summary.phase = inProgressPhase(lifeCycle, v2State);
    return summary;
  }

  const outcome = resultState ?? terminationCode;
  if (outcome === 'SUCCESS') {
    summary.phase = 'succeeded';
    return summary;
  }

  const canceled =
    resultState === 'CANCELED' ||
    (resultState === undefined && terminationCode !== undefined && CANCELED_CODES.has(terminationCode));
  summary.phase = canceled ? 'canceled' : 'failed';
  const code = terminationCode ?? resultState ?? lifeCycleState ?? 'UNKNOWN';
  summary.failure = {
    code,
    message: message ?? describeCode(code, canceled),
    runPageUrl,
    terminationType,
    isClientError: terminationType === 'CLIENT_ERROR',
  };
  return summary;
}

/** A task of a run that ended without success. */
export interface TaskFailure extends RunFailure {
  taskKey: string;
  /** The task run id, for `getRunOutput` (whose `error` says why the task failed). */
  taskRunId: number | undefined;
  phase: 'failed' | 'canceled';
}

/**
 * The tasks of a run that finished without success, in the run's order (tasks skipped because an upstream task
 * failed are included, with their own code such as UPSTREAM_FAILED). A retried task is judged by its last attempt
 * only: the run lists one entry per attempt (apache/airflow#72313, seen on a live workspace), and an earlier
 * attempt's failure says nothing about the task once a retry succeeded.
 */
export function failedTasks(run: Pick<Run, 'tasks'>): TaskFailure[] {
  const failures: TaskFailure[] = [];
  for (const task of lastAttempts(run.tasks ?? [])) {
    const summary = classifyRunState(task);
    if (!summary.failure || (summary.phase !== 'failed' && summary.phase !== 'canceled')) continue;
    failures.push({ ...summary.failure, taskKey: task.task_key, taskRunId: task.run_id, phase: summary.phase });
  }
  return failures;
}

/** Each task once, as its attempt with the highest `attempt_number`, in the order the tasks first appear. */
export function lastAttempts(tasks: readonly RunTask[]): RunTask[] {
  const latest = new Map<string, RunTask>();
  for (const task of tasks) {
    const seen = latest.get(task.task_key);
    if (!seen || (task.attempt_number ?? 0) >= (seen.attempt_number ?? 0)) latest.set(task.task_key, task);
  }
  const order = [...new Set(tasks.map((t) => t.task_key))];
  return order.map((key) => latest.get(key) as RunTask);
}

/** True when the phase is final (succeeded, failed or canceled). */
export function isFinalPhase(phase: RunPhase): boolean {
  return phase === 'succeeded' || phase === 'failed' || phase === 'canceled';
}

function inProgressPhase(lifeCycle: string | undefined, v2State: string | undefined): RunPhase {
  // The newer object wins when the two disagree about a non-terminal state; it is what Databricks maintains.
  const state = v2State ?? lifeCycle;
  if (state === undefined) return 'pending';
  if (state === 'TERMINATING') return 'terminating';
  if (state === 'RUNNING') return 'running';
  if (WAITING_LIFE_CYCLE.has(state)) return 'pending';
  // Unknown states count as still running: a new state must never end (or fail) a sync.
  return 'running';
}

function describeCode(code: string, canceled: boolean): string {
  if (canceled) return `The Databricks run was canceled (${code}).`;
  return `The Databricks run ended with ${code}.`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
