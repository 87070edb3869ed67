import { databricksErrors } from '../errors.js';
import type { JobRun, TaskAttempt, TaskRun } from './run-registry.js';
import { isTerminal, type LifeCycleState, type RunProgress, statusState } from './run-state-machine.js';
import { taskProgress, visibleAttempts } from './task-timeline.js';

export interface RunViewOptions {
  baseUrl: string;
  workspaceId: number;
  /** '2.1' returns every task; '2.2' pages arrays at `pageSize` with next_page_token. */
  apiVersion: string;
  pageSize: number;
  pageToken?: string | null;
  /** The emulator clock's now: where each task stands on its own timeline. */
  now: number;
}

/** The JSON of GET jobs/runs/get: a `Run` with both `state` and `status`. */
export function renderRun(run: JobRun, options: RunViewOptions): Record<string, unknown> {
  const { progress } = run;
  // One entry per task attempt: a retried task is listed once per attempt, each with its own run_id.
  const allAttempts = run.tasks.flatMap((task) =>
    visibleAttempts(run, task, options.now).map((attempt) => ({ task, attempt })),
  );
  let tasks = allAttempts;
  let nextPageToken: string | undefined;
  let firstPage = true;
  if (options.apiVersion !== '2.1') {
    const offset = options.pageToken ? decodeTaskToken(options.pageToken, run.runId) : 0;
    firstPage = offset === 0;
    tasks = allAttempts.slice(offset, offset + options.pageSize);
    if (offset + options.pageSize < allAttempts.length)
      nextPageToken = encodeTaskToken(run.runId, offset + options.pageSize);
  }
  const body: Record<string, unknown> = {
    job_id: run.job.job_id,
    run_id: run.runId,
    number_in_job: run.runId,
    original_attempt_run_id: run.runId,
    creator_user_name: run.creatorUserName,
    run_name: run.job.name,
    run_type: 'JOB_RUN',
    trigger: 'ONE_TIME',
    format: 'MULTI_TASK',
    state: renderState(progress, run),
    status: renderStatus(progress, run),
    start_time: progress.queuedAt,
    end_time: progress.endedAt ?? 0,
    ...durations(progress),
    run_duration: progress.endedAt === undefined ? 0 : progress.endedAt - progress.queuedAt,
    run_page_url: runPageUrl(options, run.job.job_id, run.runId),
    job_parameters: firstPage
      ? Object.entries(run.parameters).map(([name, value]) => {
          const declared = run.job.parameters?.find((p) => p.name === name);
          return declared ? { name, default: declared.default, value } : { name, value };
        })
      : [],
    tasks: tasks.map(({ task, attempt }) => renderTask(run, task, attempt, options)),
    queue: { enabled: run.queueEnabled },
  };
  if (Object.keys(run.overridingParameters).length > 0) {
    body.overriding_parameters = { job_parameters: run.overridingParameters };
  }
  if (options.apiVersion === '2.1') body.has_more = false;
  if (nextPageToken) body.next_page_token = nextPageToken;
  return body;
}

/** One element of `tasks[]` (a RunTask). */
export function renderTask(
  run: JobRun,
  task: TaskRun,
  attempt: TaskAttempt,
  options: Pick<RunViewOptions, 'baseUrl' | 'workspaceId' | 'now'>,
) {
  const progress = taskProgress(run, task, options.now, attempt.attemptNumber);
  return {
    task_key: task.taskKey,
    run_id: attempt.runId,
    state: renderState(progress, run),
    status: renderStatus(progress, run),
    run_page_url: runPageUrl(options, run.job.job_id, attempt.runId),
    start_time: progress.queuedAt,
    end_time: progress.endedAt ?? 0,
    ...durations(progress),
    run_duration: progress.endedAt === undefined ? 0 : progress.endedAt - progress.queuedAt,
    attempt_number: attempt.attemptNumber,
    run_if: 'ALL_SUCCESS',
    depends_on: task.dependsOn.map((key) => ({ task_key: key })),
    notebook_task: {
      notebook_path: task.notebookPath,
      source: 'WORKSPACE',
      base_parameters: {},
    },
    timeout_seconds: 0,
  };
}

/** GET jobs/runs/get-output for a task run (a parent run id is the real 400). */
export function renderRunOutput(
  run: JobRun,
  task: TaskRun | undefined,
  attempt: TaskAttempt | undefined,
  options: Pick<RunViewOptions, 'baseUrl' | 'workspaceId' | 'now'>,
): Record<string, unknown> {
  if (!task || !attempt) throw databricksErrors.multiTaskOutput();
  const progress = taskProgress(run, task, options.now, attempt.attemptNumber);
  const body: Record<string, unknown> = { metadata: renderTaskRun(run, task, attempt, options) };
  const ending = progress.ending;
  if (!isTerminal(progress.phase) || !ending) return body;
  // Only the last attempt of the task that wrote the export has its result; an earlier failed attempt has an error.
  if (ending.resultState === 'SUCCESS') {
    const result = run.output
      ? JSON.stringify({ output_path: run.output.outputPath, files: run.output.files, row_count: run.output.rowCount })
      : '';
    body.notebook_output = { result, truncated: false };
  } else if (ending.resultState === 'FAILED') {
    body.error = ending.stateMessage;
    body.error_trace = notebookTrace(ending.stateMessage, task.notebookPath);
  }
  return body;
}

/** A task run seen as a Run of its own (runs/get with a task run id, get-output metadata). */
export function renderTaskRun(
  run: JobRun,
  task: TaskRun,
  attempt: TaskAttempt,
  options: Pick<RunViewOptions, 'baseUrl' | 'workspaceId' | 'now'>,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    ...renderTask(run, task, attempt, options),
    job_id: run.job.job_id,
    number_in_job: attempt.runId,
    // "subsequent runs are created with an original_attempt_run_id of the original attempt's ID" (Run.attempt_number).
    original_attempt_run_id: task.runId,
    creator_user_name: run.creatorUserName,
    run_name: task.taskKey,
    run_type: 'JOB_RUN',
    trigger: 'ONE_TIME',
    format: 'SINGLE_TASK',
    job_parameters: Object.entries(run.parameters).map(([name, value]) => ({ name, value })),
    parent_run_id: run.runId,
  };
  return metadata;
}

function renderState(progress: RunProgress, run: JobRun): Record<string, unknown> {
  const phase: LifeCycleState = progress.phase;
  const state: Record<string, unknown> = {
    life_cycle_state: phase,
    state_message: progress.ending && isTerminal(phase) ? progress.ending.stateMessage : pendingMessage(progress, run),
    user_cancelled_or_timedout: isTerminal(phase) ? (progress.ending?.userCancelledOrTimedout ?? false) : false,
  };
  if (isTerminal(phase) && progress.ending) state.result_state = progress.ending.resultState;
  if (phase === 'QUEUED') state.queue_reason = queueMessage(run);
  if (phase === 'WAITING_FOR_RETRY') state.state_message = 'Waiting for retry';
  return state;
}

function renderStatus(progress: RunProgress, run: JobRun): Record<string, unknown> {
  const status: Record<string, unknown> = { state: statusState(progress.phase) };
  if (isTerminal(progress.phase) && progress.ending) status.termination_details = { ...progress.ending.termination };
  if (progress.phase === 'QUEUED')
    status.queue_details = { code: 'MAX_CONCURRENT_RUNS_REACHED', message: queueMessage(run) };
  return status;
}

function pendingMessage(progress: RunProgress, run: JobRun): string {
  if (progress.phase === 'QUEUED') return queueMessage(run);
  if (progress.phase === 'PENDING') return 'Waiting for cluster';
  return '';
}

function queueMessage(run: JobRun): string {
  return `Queued due to reaching maximum concurrent runs of ${run.job.max_concurrent_runs ?? 1}.`;
}

function durations(progress: RunProgress) {
  return {
    queue_duration: progress.pendingAt === undefined ? 0 : progress.pendingAt - progress.queuedAt,
    setup_duration:
      progress.runningAt === undefined || progress.pendingAt === undefined
        ? 0
        : progress.runningAt - progress.pendingAt,
    execution_duration:
      progress.terminatingAt === undefined || progress.runningAt === undefined
        ? 0
        : progress.terminatingAt - progress.runningAt,
    cleanup_duration:
      progress.endedAt === undefined || progress.terminatingAt === undefined
        ? 0
        : progress.endedAt - progress.terminatingAt,
  };
}

function runPageUrl(options: Pick<RunViewOptions, 'baseUrl' | 'workspaceId'>, jobId: number, runId: number): string {
  return `${options.baseUrl}/?o=${options.workspaceId}#job/${jobId}/run/${runId}`;
}

function encodeTaskToken(runId: number, offset: number): string {
  return Buffer.from(JSON.stringify({ r: runId, o: offset })).toString('base64url');
}

function decodeTaskToken(token: string, runId: number): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { r?: unknown; o?: unknown };
    if (parsed.r === runId && typeof parsed.o === 'number' && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw databricksErrors.invalidParameter(`Invalid page_token: ${token}`);
}

/**
 * A notebook task's error_trace: the IPython traceback a failed notebook cell leaves, many lines long, ending
 * with the exception line (RunOutput.error_trace, "If there was an error executing the run, this field
 * contains any available stack traces").
 */
function notebookTrace(message: string, notebookPath: string): string {
  return [
    '---------------------------------------------------------------------------',
    'Exception                                 Traceback (most recent call last)',
    `File ${notebookPath}, line 14`,
    '     11 rows = df.count()',
    '     12 if rows == 0:',
    '     13     # the export refuses to write an empty snapshot',
    `---> 14     raise Exception(${JSON.stringify(message)})`,
    '     15 df.write.mode("overwrite").parquet(output_path)',
    '',
    `Exception: ${message}`,
  ].join('\n');
}
