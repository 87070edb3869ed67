/**
 * Jobs API 2.2 models: the fields d2s reads, as the REST reference (and the SDKs generated from it) names them.
 * Enumerations are open (`| (string & {})`): Databricks says more values may appear, and a new one must not
 * break a poller. Ids are int64 on the wire; today's ids stay below 2^53, so they are JSON numbers here.
 */

/** Keeps the listed literals for autocompletion while accepting any string. */
export type OpenEnum<T extends string> = T | (string & {});

export type RunLifeCycleState = OpenEnum<
  | 'QUEUED'
  | 'PENDING'
  | 'RUNNING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR'
  | 'BLOCKED'
  | 'WAITING_FOR_RETRY'
>;

export type RunResultState = OpenEnum<
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMEDOUT'
  | 'CANCELED'
  | 'MAXIMUM_CONCURRENT_RUNS_REACHED'
  | 'EXCLUDED'
  | 'SUCCESS_WITH_FAILURES'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_CANCELED'
  | 'DISABLED'
>;

/** The deprecated but still returned `state` object. */
export interface RunState {
  life_cycle_state?: RunLifeCycleState;
  /** Only set once the run reached a terminal life-cycle state. */
  result_state?: RunResultState;
  /** Free text; its format may change. */
  state_message?: string;
  queue_reason?: string;
  user_cancelled_or_timedout?: boolean;
}

/** `status.state` (RunLifecycleStateV2State): SKIPPED and INTERNAL_ERROR appear as TERMINATED plus a code. */
export type RunLifecycleStateV2 = OpenEnum<
  'QUEUED' | 'PENDING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'BLOCKED' | 'WAITING'
>;

export type TerminationCode = OpenEnum<
  | 'SUCCESS'
  | 'SUCCESS_WITH_FAILURES'
  | 'USER_CANCELED'
  | 'CANCELED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR'
  | 'DRIVER_ERROR'
  | 'CLUSTER_ERROR'
  | 'REPOSITORY_CHECKOUT_FAILED'
  | 'INVALID_CLUSTER_REQUEST'
  | 'WORKSPACE_RUN_LIMIT_EXCEEDED'
  | 'FEATURE_DISABLED'
  | 'CLUSTER_REQUEST_LIMIT_EXCEEDED'
  | 'STORAGE_ACCESS_ERROR'
  | 'RUN_EXECUTION_ERROR'
  | 'UNAUTHORIZED_ERROR'
  | 'LIBRARY_INSTALLATION_ERROR'
  | 'MAX_CONCURRENT_RUNS_EXCEEDED'
  | 'MAX_SPARK_CONTEXTS_EXCEEDED'
  | 'RESOURCE_NOT_FOUND'
  | 'INVALID_RUN_CONFIGURATION'
  | 'CLOUD_FAILURE'
  | 'MAX_JOB_QUEUE_SIZE_EXCEEDED'
  | 'DISABLED'
  | 'BREAKING_CHANGE'
  | 'CLUSTER_TERMINATED_BY_USER'
  | 'BUDGET_POLICY_LIMIT_EXCEEDED'
>;

/** Who is to blame for how a run ended: the platform, the cloud, or the job's own input and configuration. */
export type TerminationType = OpenEnum<'SUCCESS' | 'INTERNAL_ERROR' | 'CLIENT_ERROR' | 'CLOUD_FAILURE'>;

export interface TerminationDetails {
  code?: TerminationCode;
  type?: TerminationType;
  message?: string;
}

export interface QueueDetails {
  code?: OpenEnum<'ACTIVE_RUNS_LIMIT_REACHED' | 'MAX_CONCURRENT_RUNS_REACHED' | 'ACTIVE_RUN_JOB_TASKS_LIMIT_REACHED'>;
  message?: string;
}

/** The newer `status` object. */
export interface RunStatus {
  state?: RunLifecycleStateV2;
  queue_details?: QueueDetails;
  termination_details?: TerminationDetails;
}

export interface JobParameter {
  name?: string;
  default?: string;
  value?: string;
}

/** One task of a run. Its `run_id` is the task run id that `runs/get-output` needs. */
export interface RunTask {
  task_key: string;
  run_id?: number;
  state?: RunState;
  status?: RunStatus;
  run_page_url?: string;
  /** Epoch milliseconds. */
  start_time?: number;
  /** Epoch milliseconds; 0 while the task runs. */
  end_time?: number;
  attempt_number?: number;
  depends_on?: Array<{ task_key: string; outcome?: string }>;
  run_if?: string;
  description?: string;
  queue_duration?: number;
  setup_duration?: number;
  execution_duration?: number;
  cleanup_duration?: number;
  run_duration?: number;
  timeout_seconds?: number;
}

/** `GET /api/2.2/jobs/runs/get` as returned, with every page of its arrays gathered. */
export interface Run {
  run_id: number;
  job_id?: number;
  number_in_job?: number;
  original_attempt_run_id?: number;
  attempt_number?: number;
  run_name?: string;
  run_page_url?: string;
  run_type?: OpenEnum<'JOB_RUN' | 'WORKFLOW_RUN' | 'SUBMIT_RUN'>;
  creator_user_name?: string;
  /** Deprecated in favour of `status`, still returned. */
  state?: RunState;
  status?: RunStatus;
  tasks?: RunTask[];
  /** Parameters the run was started with (name, default, value). */
  job_parameters?: JobParameter[];
  /** Epoch milliseconds. */
  start_time?: number;
  /** Epoch milliseconds; 0 while the run is still running. */
  end_time?: number;
  queue_duration?: number;
  setup_duration?: number;
  execution_duration?: number;
  cleanup_duration?: number;
  run_duration?: number;
  trigger?: string;
  job_clusters?: unknown[];
  repair_history?: unknown[];
  iterations?: RunTask[];
  has_more?: boolean;
  /** Present on a page when more array elements follow; the client follows it and removes it. */
  next_page_token?: string;
}

export interface QueueSettings {
  enabled: boolean;
}

export interface RunNowRequest {
  job_id: number;
  /**
   * Databricks guarantees that at most one run is launched per token (≤ 64 characters): a repeated run-now
   * returns the existing run instead. d2s always sends one, derived from the sync id, which is also what makes
   * retrying run-now after a lost response safe.
   */
  idempotency_token: string;
  job_parameters?: Record<string, string>;
  queue?: QueueSettings;
  performance_target?: OpenEnum<'STANDARD' | 'PERFORMANCE_OPTIMIZED'>;
  /** Run only these task keys (`+key` / `key+` for upstream / downstream). */
  only?: string[];
}

export interface RunNowResponse {
  run_id: number;
  /** Same value as run_id. */
  number_in_job?: number;
}

/** `GET /api/2.2/jobs/runs/get-output` for one task run. */
export interface RunOutput {
  metadata?: Run;
  /** Why the task failed, unstructured. */
  error?: string;
  error_trace?: string;
  logs?: string;
  logs_truncated?: boolean;
  info?: string;
  /** The value passed to `dbutils.notebook.exit()` (first 5 MB). */
  notebook_output?: { result?: string; truncated?: boolean };
  sql_output?: unknown;
  dbt_output?: unknown;
  run_job_output?: { run_id?: number };
}
