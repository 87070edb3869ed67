/**
 * The tasks of a failed Databricks run, as a sync's failure details carry them (written by the export
 * worker, read by the sync view, the web page and the CLI). Bounded so a run of thousands of tasks or a
 * megabyte of stack trace cannot bloat a job's data.
 */
export interface FailedTaskReport {
  taskKey: string;
  taskRunId?: number;
  /** `state.result_state`: FAILED, UPSTREAM_FAILED, CANCELED, TIMEDOUT, … */
  resultState: string;
  /** `status.termination_details.code` when known (RUN_EXECUTION_ERROR, SKIPPED, …). */
  terminationCode?: string;
  /** The task's state message. */
  message?: string;
  /** `runs/get-output` error of the task run. */
  error?: string;
  /** The first lines of `runs/get-output` error_trace. */
  errorTraceHead?: string[];
  /** True when more lines of the trace were left out. */
  errorTraceTruncated?: boolean;
}

/** At most this many tasks are reported (the first in the run's order); the rest are counted. */
export const MAX_REPORTED_TASKS = 10;
/** Lines of error_trace kept per task, and characters per line and per error. */
export const ERROR_TRACE_HEAD_LINES = 8;
export const MAX_LINE_CHARS = 300;
export const MAX_ERROR_CHARS = 1_000;

/** Reads failed-task reports back from untyped failure details, dropping anything malformed. */
export function readFailedTasks(details: Record<string, unknown>): FailedTaskReport[] {
  const raw = details.failedTasks;
  if (!Array.isArray(raw)) return [];
  const reports: FailedTaskReport[] = [];
  for (const entry of raw.slice(0, MAX_REPORTED_TASKS)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.taskKey !== 'string' || typeof e.resultState !== 'string') continue;
    const report: FailedTaskReport = { taskKey: e.taskKey, resultState: e.resultState };
    if (typeof e.taskRunId === 'number') report.taskRunId = e.taskRunId;
    if (typeof e.terminationCode === 'string') report.terminationCode = e.terminationCode;
    if (typeof e.message === 'string') report.message = clip(e.message, MAX_ERROR_CHARS);
    if (typeof e.error === 'string') report.error = clip(e.error, MAX_ERROR_CHARS);
    if (Array.isArray(e.errorTraceHead)) {
      report.errorTraceHead = e.errorTraceHead
        .filter((l): l is string => typeof l === 'string')
        .slice(0, ERROR_TRACE_HEAD_LINES)
        .map((l) => clip(l, MAX_LINE_CHARS));
    }
    if (e.errorTraceTruncated === true) report.errorTraceTruncated = true;
    reports.push(report);
  }
  return reports;
}

/** The first lines of a trace, each cut to MAX_LINE_CHARS. */
export function traceHead(trace: string): { lines: string[]; truncated: boolean } {
  const all = trace.replace(/\r\n/g, '\n').split('\n');
  while (all.length > 0 && all[all.length - 1]?.trim() === '') all.pop();
  return {
    lines: all.slice(0, ERROR_TRACE_HEAD_LINES).map((l) => clip(l, MAX_LINE_CHARS)),
    truncated: all.length > ERROR_TRACE_HEAD_LINES,
  };
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
