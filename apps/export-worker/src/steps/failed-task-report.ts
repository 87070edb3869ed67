import { clip, type FailedTaskReport, type Logger, MAX_ERROR_CHARS, MAX_REPORTED_TASKS, traceHead } from '@d2s/shared';
import { failedTasks, type JobsApi, type Run } from '@d2s/shared/databricks';

/** Result states of tasks that never ran: they have no output to read. */
const NEVER_RAN = new Set(['UPSTREAM_FAILED', 'UPSTREAM_CANCELED', 'EXCLUDED', 'CANCELED']);

/**
 * The tasks of a run that did not succeed, each with its result state and, for a task that ran and failed,
 * its error and the first lines of its error trace from `runs/get-output`. Multi-task runs need each task's
 * own run id: Databricks refuses get-output for the parent run ("Retrieving the output of runs with multiple
 * tasks is not supported"). A get-output that fails leaves that task without an error, never the report.
 */
export async function failedTaskReport(
  run: Pick<Run, 'tasks'>,
  deps: { jobs: Pick<JobsApi, 'getRunOutput'>; log: Logger; maxRetryWaitMs: number },
): Promise<{ tasks: FailedTaskReport[]; omitted: number }> {
  const failures = failedTasks(run);
  const reported = failures.slice(0, MAX_REPORTED_TASKS);
  const tasks: FailedTaskReport[] = [];
  for (const failure of reported) {
    const task = run.tasks?.find((t) => t.run_id === failure.taskRunId && t.task_key === failure.taskKey);
    const resultState = task?.state?.result_state ?? failure.code;
    const report: FailedTaskReport = { taskKey: failure.taskKey, resultState };
    if (failure.taskRunId !== undefined) report.taskRunId = failure.taskRunId;
    const terminationCode = task?.status?.termination_details?.code;
    if (terminationCode) report.terminationCode = terminationCode;
    if (failure.message) report.message = clip(failure.message, MAX_ERROR_CHARS);
    if (failure.taskRunId !== undefined && !NEVER_RAN.has(resultState)) {
      try {
        const output = await deps.jobs.getRunOutput(failure.taskRunId, { maxRetryWaitMs: deps.maxRetryWaitMs });
        if (output.error) report.error = clip(output.error, MAX_ERROR_CHARS);
        if (output.error_trace) {
          const head = traceHead(output.error_trace);
          report.errorTraceHead = head.lines;
          if (head.truncated) report.errorTraceTruncated = true;
        }
      } catch (error) {
        deps.log.warn({ err: error, taskRunId: failure.taskRunId }, 'could not read the failed task’s output');
      }
    }
    tasks.push(report);
  }
  return { tasks, omitted: failures.length - reported.length };
}
