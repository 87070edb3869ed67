import { DatabricksError, DatabricksResponseError } from './errors.js';
import type { ApiRequest, DatabricksHttpClient } from './http-client.js';
import type { Job, JobPermissions } from './job-definition-types.js';
import type { Run, RunNowRequest, RunNowResponse, RunOutput } from './jobs-types.js';

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the call, including any wait between retries. */
  signal?: AbortSignal;
  /**
   * The longest the client waits before retrying. When Databricks asks for a
   * longer wait (Retry-After) or the backoff grows past it, the retryable
   * error comes back at once, with `retryAfterMs`, so a caller that can come
   * back later (a step job) waits in `delayed` instead of in a worker slot.
   * @defaultValue no limit but the retry budget
   */
  maxRetryWaitMs?: number;
}

export interface GetRunOptions extends CallOptions {
  /** Include the repair history. */
  includeHistory?: boolean;
  /** Include resolved parameter values of the tasks. */
  includeResolvedValues?: boolean;
}

/** Array fields that Jobs API 2.2 pages (at most 100 elements per response), joined across pages by getRun. */
const PAGED_RUN_ARRAYS = ['tasks', 'job_clusters', 'job_parameters', 'repair_history', 'iterations'] as const;

/** Safety stop for a server that keeps handing out page tokens (100 elements a page: 100,000 tasks). */
const MAX_RUN_PAGES = 1_000;

const MAX_IDEMPOTENCY_TOKEN_LENGTH = 64;

/** Jobs API 2.2: start a job run, follow it, cancel it, read a task's output. */
export class JobsApi {
  readonly #http: DatabricksHttpClient;

  constructor(http: DatabricksHttpClient) {
    this.#http = http;
  }

  /**
   * Starts a run of a job (`POST /api/2.2/jobs/run-now`). Calling it again with the same idempotency token
   * returns the same run instead of starting another.
   */
  async runNow(request: RunNowRequest, options: CallOptions = {}): Promise<RunNowResponse> {
    const token = request.idempotency_token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_IDEMPOTENCY_TOKEN_LENGTH) {
      throw new DatabricksError(
        `run-now needs an idempotency_token of 1 to ${MAX_IDEMPOTENCY_TOKEN_LENGTH} characters (got ${typeof token === 'string' ? token.length : typeof token})`,
        { endpoint: 'jobs/run-now', method: 'POST', errorCode: 'INVALID_PARAMETER_VALUE' },
        { retryable: false },
      );
    }
    const response = await this.#http.request<RunNowResponse>({
      method: 'POST',
      endpoint: 'jobs/run-now',
      path: '/api/2.2/jobs/run-now',
      body: request,
      // Safe to retry, even after a reset or a 503 that may have been processed: Databricks launches at most one
      // run per idempotency token and returns that run's id to every repeat. Without the token a retried
      // run-now could start a second run, which is why the token is required above.
      idempotent: true,
      ...callOptionsOf(options),
    });
    requireRunId(response.run_id, 'jobs/run-now', 'POST');
    return response;
  }

  /**
   * Reads a run (`GET /api/2.2/jobs/runs/get`), following `next_page_token` so `tasks` (and the other paged
   * arrays) hold every element. A run that does not exist (or was removed after 60 days) throws
   * DatabricksNotFoundError.
   */
  async getRun(runId: number, options: GetRunOptions = {}): Promise<Run> {
    let run: Run | undefined;
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_RUN_PAGES; page++) {
      const response = await this.#http.request<Run>({
        method: 'GET',
        endpoint: 'jobs/runs/get',
        path: '/api/2.2/jobs/runs/get',
        query: {
          run_id: runId,
          include_history: options.includeHistory,
          include_resolved_values: options.includeResolvedValues,
          page_token: pageToken,
        },
        idempotent: true,
        ...callOptionsOf(options),
      });
      if (run === undefined) {
        requireRunId(response.run_id, 'jobs/runs/get', 'GET');
        run = response;
      } else {
        appendPagedArrays(run, response);
      }
      const next = response.next_page_token;
      if (next === undefined || next === '') {
        delete run.next_page_token;
        return run;
      }
      if (next === pageToken) throw loopingPages('jobs/runs/get');
      pageToken = next;
    }
    throw loopingPages('jobs/runs/get');
  }

  /**
   * Cancels a run or a single task run (`POST /api/2.2/jobs/runs/cancel`). Cancellation is asynchronous: the run
   * may still be running when this returns; poll getRun until it is terminal.
   */
  async cancelRun(runId: number, options: CallOptions = {}): Promise<void> {
    await this.#http.request<unknown>({
      method: 'POST',
      endpoint: 'jobs/runs/cancel',
      path: '/api/2.2/jobs/runs/cancel',
      body: { run_id: runId },
      // Cancelling twice is the same as cancelling once.
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /**
   * Reads the output of one task run (`GET /api/2.2/jobs/runs/get-output`). Pass a task's `run_id`
   * (`run.tasks[i].run_id`): Databricks refuses a multi-task job run id with 400 INVALID_PARAMETER_VALUE.
   */
  async getRunOutput(taskRunId: number, options: CallOptions = {}): Promise<RunOutput> {
    return this.#http.request<RunOutput>({
      method: 'GET',
      endpoint: 'jobs/runs/get-output',
      path: '/api/2.2/jobs/runs/get-output',
      query: { run_id: taskRunId },
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /** Reads a job's definition (`GET /api/2.2/jobs/get`): its parameters and notifications. Needs CAN_VIEW. */
  async getJob(jobId: number, options: CallOptions = {}): Promise<Job> {
    return this.#http.request<Job>({
      method: 'GET',
      endpoint: 'jobs/get',
      path: '/api/2.2/jobs/get',
      query: { job_id: jobId },
      idempotent: true,
      ...callOptionsOf(options),
    });
  }

  /** Reads who may do what with a job (`GET /api/2.0/permissions/jobs/{job_id}`, the Permissions API). */
  async getJobPermissions(jobId: number, options: CallOptions = {}): Promise<JobPermissions> {
    return this.#http.request<JobPermissions>({
      method: 'GET',
      endpoint: 'permissions/jobs/{job_id}',
      path: `/api/2.0/permissions/jobs/${jobId}`,
      idempotent: true,
      ...callOptionsOf(options),
    });
  }
}

function appendPagedArrays(run: Run, page: Run): void {
  const target = run as unknown as Record<string, unknown>;
  const source = page as unknown as Record<string, unknown>;
  for (const key of PAGED_RUN_ARRAYS) {
    const more = source[key];
    if (!Array.isArray(more) || more.length === 0) continue;
    const existing = target[key];
    target[key] = Array.isArray(existing) ? [...existing, ...more] : [...more];
  }
}

function requireRunId(runId: unknown, endpoint: string, method: string): void {
  if (typeof runId !== 'number' || !Number.isSafeInteger(runId)) {
    throw new DatabricksResponseError(
      `Databricks ${method} ${endpoint} returned no usable run_id`,
      { endpoint, method },
      { retryable: false },
    );
  }
}

function loopingPages(endpoint: string): DatabricksResponseError {
  return new DatabricksResponseError(
    `Databricks GET ${endpoint} kept returning page tokens; stopped to avoid an endless loop`,
    { endpoint, method: 'GET' },
    { retryable: false },
  );
}

/** The per-call options an API request takes along. */
export function callOptionsOf(options: CallOptions): Pick<ApiRequest, 'signal' | 'maxRetryWaitMs'> {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxRetryWaitMs === undefined ? {} : { maxRetryWaitMs: options.maxRetryWaitMs }),
  };
}
