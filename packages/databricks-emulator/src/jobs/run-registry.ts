import type { Clock } from '../clock.js';
import { databricksErrors } from '../errors.js';
import type { FaultInjector } from '../faults.js';
import type { JobFixture, RunOutcome } from '../fixture-types.js';
import { NO_RETRIES, type PlannedAttempt, planAttempts, type TaskRetryPolicy } from './attempt-plan.js';
import { ExportFailure, type ExportResult } from './export-output.js';
import {
  applyTransition,
  cancel as cancelProgress,
  endings,
  isTerminal,
  nextTransition,
  type RunEnding,
  type RunProgress,
  type RunTiming,
} from './run-state-machine.js';

export interface TaskRun {
  taskKey: string;
  /** The first attempt's task run id. */
  runId: number;
  notebookPath: string;
  dependsOn: string[];
  retry: TaskRetryPolicy;
  /** Every attempt the run makes of this task, attempt 0 first, each with its own task run id. */
  attempts: TaskAttempt[];
  /** Set when this task run alone was cancelled. */
  canceledAt?: number;
}

export interface TaskAttempt extends PlannedAttempt {
  runId: number;
}

/** A task, as the fixture defines it, before a run gives it run ids. */
export type TaskSpec = Omit<TaskRun, 'runId' | 'attempts' | 'canceledAt'>;

export interface JobRun {
  runId: number;
  job: JobFixture;
  idempotencyToken?: string;
  /** Effective job parameters (defaults overridden by run-now). */
  parameters: Record<string, string>;
  /** Only what run-now passed. */
  overridingParameters: Record<string, string>;
  creatorUserName: string;
  queueEnabled: boolean;
  progress: RunProgress;
  timing: RunTiming;
  plannedOutcome: RunOutcome;
  plannedMessage: string;
  tasks: TaskRun[];
  /** Tasks planned to fail for good (after their retries); the run fails with them. */
  failingTaskKeys: string[];
  output?: ExportResult;
  /** In-flight advance (output writing), so concurrent pollers wait for the same work. */
  advancing?: Promise<void>;
}

export interface RunNowRequest {
  job_id?: unknown;
  idempotency_token?: unknown;
  job_parameters?: unknown;
  queue?: unknown;
}

export interface RunRegistryDeps {
  jobs: JobFixture[];
  clock: Clock;
  /** Multiplies every run phase duration from the fixture. @defaultValue 1 */
  timeScale: number;
  faults: FaultInjector;
  /** Runs the job's work when a run is about to succeed (writes the export). */
  execute: (run: JobRun) => Promise<ExportResult | undefined>;
  /** @defaultValue 'sandbox-user@example.com' */
  defaultUser?: string;
}

const FIRST_RUN_ID = 650_000_000_000_001;

/** All job runs: run-now (with idempotency), lookup by run or task run id, advancing, cancel. */
export class RunRegistry {
  private readonly runs = new Map<number, JobRun>();
  private readonly taskRuns = new Map<number, { run: JobRun; task: TaskRun; attempt: number }>();
  private readonly byToken = new Map<string, JobRun>();
  private nextId = FIRST_RUN_ID;

  constructor(private readonly deps: RunRegistryDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  jobs(): JobFixture[] {
    return [...this.deps.jobs];
  }

  job(jobId: number): JobFixture | undefined {
    return this.deps.jobs.find((j) => j.job_id === jobId);
  }

  /** Creates a run (or returns the one holding this idempotency token). Synchronous, so concurrent calls cannot race. */
  runNow(body: RunNowRequest, userName?: string): JobRun {
    const jobId = parseId(body.job_id, 'job_id');
    const token = body.idempotency_token;
    if (token !== undefined && token !== null) {
      if (typeof token !== 'string') throw databricksErrors.invalidParameter('idempotency_token must be a string');
      if (token.length > 64) {
        throw databricksErrors.invalidParameter('The idempotency token must be at most 64 characters long.');
      }
      const existing = this.byToken.get(token);
      if (existing) return existing;
    }
    const job = this.job(jobId);
    if (!job) throw databricksErrors.jobDoesNotExist(jobId);
    const overriding = parseParameters(body.job_parameters);
    const parameters: Record<string, string> = {};
    for (const p of job.parameters ?? []) parameters[p.name] = p.default;
    Object.assign(parameters, overriding);

    const now = this.deps.clock.now();
    const scale = this.deps.timeScale;
    const fault = this.deps.faults.takeRun(jobId);
    const queueSetting = (body.queue as { enabled?: unknown } | undefined)?.enabled;
    const run: JobRun = {
      runId: this.nextId++,
      job,
      idempotencyToken: typeof token === 'string' ? token : undefined,
      parameters,
      overridingParameters: overriding,
      creatorUserName: userName ?? this.deps.defaultUser ?? 'sandbox-user@example.com',
      queueEnabled: typeof queueSetting === 'boolean' ? queueSetting : (job.queue_enabled ?? true),
      progress: { phase: 'QUEUED', queuedAt: now },
      timing: {
        pendingMs: Math.round((job.timing?.pending_ms ?? 1000) * scale),
        runningMs: Math.round((job.timing?.running_ms ?? 3000) * scale),
        terminatingMs: Math.round((job.timing?.terminating_ms ?? 500) * scale),
      },
      plannedOutcome: fault?.outcome ?? job.outcome ?? 'SUCCESS',
      plannedMessage: fault?.message ?? job.failure_message ?? defaultFailureMessage(fault?.outcome ?? job.outcome),
      tasks: [],
      failingTaskKeys: [],
    };
    this.planTasks(run, taskList(job, scale));
    this.runs.set(run.runId, run);
    if (run.idempotencyToken !== undefined) this.byToken.set(run.idempotencyToken, run);

    const limit = job.max_concurrent_runs ?? 1;
    if (!run.queueEnabled && this.activeRuns(job.job_id, run) >= limit) {
      run.progress.ending = endings.skipped(limit);
      run.progress.phase = 'SKIPPED';
      run.progress.endedAt = now;
    }
    this.stepSync(run);
    return run;
  }

  /** The tasks a run of this job has. */
  taskKeys(job: JobFixture): TaskSpec[] {
    return taskList(job, this.deps.timeScale);
  }

  /** A parent run by id, or the parent, task and attempt number for a task run id. */
  find(runId: number): { run: JobRun; task?: TaskRun; attempt?: number } | undefined {
    const run = this.runs.get(runId);
    if (run) return { run };
    return this.taskRuns.get(runId);
  }

  all(): JobRun[] {
    return [...this.runs.values()];
  }

  /** Moves a run forward to the clock's now, writing its output before it may report success. */
  advance(run: JobRun): Promise<void> {
    if (run.advancing) return run.advancing;
    const work = this.advanceNow(run).finally(() => {
      run.advancing = undefined;
    });
    run.advancing = work;
    return work;
  }

  async advanceAll(): Promise<void> {
    for (const run of this.runs.values()) {
      if (!isTerminal(run.progress.phase)) await this.advance(run);
    }
  }

  /** Cancels a run or, given a task run id, only that task. Asynchronous like the real API. */
  cancel(runId: number): void {
    const found = this.find(runId);
    if (!found) throw databricksErrors.runDoesNotExist(runId);
    const now = this.deps.clock.now();
    if (found.task) {
      if (!isTerminal(found.run.progress.phase) && found.task.canceledAt === undefined) found.task.canceledAt = now;
      if (found.run.tasks.every((t) => t.canceledAt !== undefined))
        cancelProgress(found.run.progress, now, endings.canceled());
      return;
    }
    cancelProgress(found.run.progress, now, endings.canceled());
  }

  reset(): void {
    this.runs.clear();
    this.taskRuns.clear();
    this.byToken.clear();
  }

  /**
   * Gives the run its tasks and plans their attempts: each attempt has its own task run id (retries get theirs
   * after every first attempt, as they are created later); retries lengthen the run's RUNNING phase, and a task
   * that still fails after its last retry fails the run.
   */
  private planTasks(run: JobRun, specs: TaskSpec[]): void {
    const alwaysFailing =
      run.plannedOutcome === 'FAILED' ? (run.job.failing_task ?? specs[specs.length - 1]?.taskKey) : undefined;
    const plan = planAttempts(specs, { runningMs: run.timing.runningMs, alwaysFailing });
    run.timing.runningMs = plan.runningMs;
    run.failingTaskKeys = plan.failingTaskKeys;
    if (plan.failingTaskKeys.length > 0 && run.plannedOutcome === 'SUCCESS') run.plannedOutcome = 'FAILED';
    run.tasks = specs.map((spec) => ({ ...spec, runId: this.nextId++, attempts: [] }));
    for (const task of run.tasks) {
      const planned = plan.attempts.get(task.taskKey) ?? [];
      task.attempts = planned.map((attempt) => ({
        ...attempt,
        runId: attempt.attemptNumber === 0 ? task.runId : 0,
      }));
    }
    for (const task of run.tasks) {
      for (const attempt of task.attempts) {
        if (attempt.attemptNumber > 0) attempt.runId = this.nextId++;
        this.taskRuns.set(attempt.runId, { run, task, attempt: attempt.attemptNumber });
      }
    }
  }

  private activeRuns(jobId: number, except?: JobRun): number {
    let n = 0;
    for (const r of this.runs.values()) {
      if (r !== except && r.job.job_id === jobId && !isTerminal(r.progress.phase) && r.progress.phase !== 'QUEUED') n++;
    }
    return n;
  }

  private canStart(run: JobRun): boolean {
    for (const r of this.runs.values()) {
      if (r === run) break;
      if (r.job.job_id === run.job.job_id && r.progress.phase === 'QUEUED') return false; // FIFO
    }
    return this.activeRuns(run.job.job_id, run) < (run.job.max_concurrent_runs ?? 1);
  }

  /** Applies every transition that needs no I/O (used right after run-now). */
  private stepSync(run: JobRun): void {
    const now = this.deps.clock.now();
    for (;;) {
      const t = nextTransition(run.progress, run.timing, now, () => this.canStart(run), this.plannedLifeCycle(run));
      if (!t || t.to === 'TERMINATING' || t.to === 'INTERNAL_ERROR') return;
      applyTransition(run.progress, t, this.endingFor(run));
    }
  }

  private async advanceNow(run: JobRun): Promise<void> {
    for (;;) {
      const now = this.deps.clock.now();
      const t = nextTransition(run.progress, run.timing, now, () => this.canStart(run), this.plannedLifeCycle(run));
      if (!t) return;
      if (t.to === 'TERMINATING' && run.progress.ending === undefined) {
        applyTransition(run.progress, t, await this.finishWork(run));
      } else {
        applyTransition(run.progress, t, this.endingFor(run));
      }
    }
  }

  /** Does the run's work as RUNNING ends; the ending says whether it worked. */
  private async finishWork(run: JobRun): Promise<RunEnding> {
    const planned = this.endingFor(run);
    if (planned.resultState !== 'SUCCESS') return planned;
    try {
      run.output = await this.deps.execute(run);
      return planned;
    } catch (error) {
      const message = error instanceof ExportFailure ? error.message : `Export failed: ${(error as Error).message}`;
      run.plannedOutcome = 'FAILED';
      run.plannedMessage = message;
      return endings.failed(message);
    }
  }

  private plannedLifeCycle(run: JobRun): 'TERMINATED' | 'INTERNAL_ERROR' {
    return run.plannedOutcome === 'INTERNAL_ERROR' && run.progress.ending === undefined
      ? 'INTERNAL_ERROR'
      : 'TERMINATED';
  }

  private endingFor(run: JobRun): RunEnding {
    if (run.tasks.some((t) => t.canceledAt !== undefined)) return endings.canceled();
    switch (run.plannedOutcome) {
      case 'SUCCESS':
        return endings.success();
      case 'FAILED':
        return endings.failed(run.plannedMessage);
      case 'INTERNAL_ERROR':
        return endings.internalError(run.plannedMessage);
    }
  }
}

function taskList(job: JobFixture, timeScale: number): TaskSpec[] {
  if (job.tasks && job.tasks.length > 0) {
    return job.tasks.map((t) => ({
      taskKey: t.task_key,
      notebookPath: t.notebook_path ?? `/Workspace/Jobs/${job.name}/${t.task_key}`,
      dependsOn: t.depends_on ?? [],
      retry: {
        maxRetries: t.max_retries ?? 0,
        minRetryIntervalMs: Math.round((t.min_retry_interval_millis ?? 0) * timeScale),
        retryOnTimeout: t.retry_on_timeout ?? false,
        failAttempts: t.fail_attempts ?? 0,
      },
    }));
  }
  const count = job.task_count ?? 1;
  if (count === 1) {
    return [{ taskKey: 'main', notebookPath: `/Workspace/Jobs/${job.name}/main`, dependsOn: [], retry: NO_RETRIES }];
  }
  return Array.from({ length: count }, (_, i) => {
    const key = `task_${String(i + 1).padStart(4, '0')}`;
    return { taskKey: key, notebookPath: `/Workspace/Jobs/${job.name}/${key}`, dependsOn: [], retry: NO_RETRIES };
  });
}

function defaultFailureMessage(outcome: RunOutcome | undefined): string {
  return outcome === 'INTERNAL_ERROR'
    ? 'Run failed with error message\n Could not reach driver of cluster.'
    : 'Workload failed, see run output for details';
}

export function parseId(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') {
    throw databricksErrors.invalidParameter(`Missing required field: ${field}`);
  }
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw databricksErrors.invalidParameter(
      `Invalid value for ${field}: expected an integer, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function parseParameters(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw databricksErrors.invalidParameter('job_parameters must be a map of parameter names to string values');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'object' && v !== null) {
      throw databricksErrors.invalidParameter(`Job parameter '${k}' must be a string`);
    }
    out[k] = String(v);
  }
  return out;
}
