/**
 * The export steps against the Databricks emulator over loopback, with the production client: a missing job
 * permission fails the sync at once with a hint naming the permission, the job and the principal; a failed
 * multi-task run reports each failed task with its error and the head of its trace.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DatabricksFixture,
  loadFixture,
  ManualClock,
  type RunningDatabricksEmulator,
  sandboxFixturePath,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import {
  createLogger,
  type DatasetConfig,
  type ExportProgress,
  Secret,
  SyncFailedError,
  type SyncRequest,
} from '@d2s/shared';
import { createDatabricksClient, type DatabricksClient } from '@d2s/shared/databricks';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportContext, ExportLiveProgress } from '../export-context.js';
import { pollRun } from './poll-run.js';
import { trigger } from './trigger.js';

const logger = createLogger({ level: 'silent', pretty: false, service: 'test' });

function clientFor(
  url: string,
  auth: { token: string } | { clientId: string; clientSecret: string },
): DatabricksClient {
  return createDatabricksClient({
    host: url,
    auth:
      'token' in auth
        ? { kind: 'pat', token: new Secret(auth.token) }
        : { kind: 'oauth-m2m', clientId: auth.clientId, clientSecret: new Secret(auth.clientSecret) },
    requestTimeoutMs: 5_000,
    retryBudgetMs: 5_000,
    maxConcurrentRequests: 4,
    maxRequestsPerSecond: 100,
  } as Parameters<typeof createDatabricksClient>[0]);
}

/** An export context over a real client; saves and reports are recorded, not written to a job. */
function contextFor(client: DatabricksClient, jobId: number, progress: ExportProgress, requestedAt = new Date()) {
  const reports: ExportLiveProgress[] = [];
  const request: SyncRequest = {
    syncId: '01JEXPORTSTEPTEST0000000001',
    dataset: 'forecasts',
    parameters: {},
    attempt: 1,
    requestedAt: requestedAt.toISOString(),
    outputUrl: 's3://d2s-sandbox/exports/forecasts/01JEXPORTSTEPTEST0000000001/',
    stagePath: 'forecasts/01JEXPORTSTEPTEST0000000001/',
    origin: 'api',
  };
  let saved = progress;
  const ctx: ExportContext = {
    request,
    dataset: {
      databricks: { jobId, outputParameter: 'output_path' },
      export: { maxRunDurationSeconds: 3600 },
    } as DatasetConfig,
    get progress() {
      return saved;
    },
    log: logger,
    jobs: client.jobs,
    currentUser: client.currentUser,
    importQueue: {} as Queue,
    cancelRequested: async () => false,
    takeTurn: async () => ({ turn: true }),
    config: {
      workers: { export: { concurrency: 1, pollInitialMs: 10, pollMaxMs: 10, pollGrowth: 1 } },
    } as ExportContext['config'],
    now: () => Date.now(),
    random: () => 0.5,
    save: async (next) => {
      saved = next;
    },
    report: async (live) => {
      reports.push(live);
    },
    logWith: () => undefined,
    pollSchedule: { pollInitialMs: 10, pollMaxMs: 10, pollGrowth: 1 },
    indexRun: async () => undefined,
    takeWakeMark: async () => null,
  };
  return { ctx, reports };
}

async function failureOf(work: Promise<unknown>): Promise<SyncFailedError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SyncFailedError)) throw new Error(`expected a SyncFailedError, got ${String(error)}`);
  return error;
}

describe('export steps against the Databricks emulator', () => {
  const clock = new ManualClock();
  let emu: RunningDatabricksEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'd2s-export-steps-'));
    const fixture: DatabricksFixture = await loadFixture(sandboxFixturePath);
    // A two-task chain whose first task fails: the second is skipped (UPSTREAM_FAILED).
    fixture.jobs.push({
      job_id: 2001,
      name: 'chain',
      timing: { pending_ms: 10, running_ms: 20, terminating_ms: 10 },
      tasks: [{ task_key: 'extract' }, { task_key: 'publish', depends_on: ['extract'] }, { task_key: 'audit' }],
      failing_task: 'extract',
      outcome: 'FAILED',
      failure_message: 'Workload failed, see run output for details',
    });
    // Task retries (Task.max_retries): extract fails once and its retry succeeds (2002); extract fails on every
    // attempt (2003). The run lists one entry per attempt.
    fixture.jobs.push(
      {
        job_id: 2002,
        name: 'flaky',
        timing: { pending_ms: 10, running_ms: 20, terminating_ms: 10 },
        failure_message: 'Connection reset by peer',
        tasks: [
          { task_key: 'extract', max_retries: 3, fail_attempts: 2 },
          { task_key: 'publish', depends_on: ['extract'] },
        ],
      },
      {
        job_id: 2003,
        name: 'out-of-retries',
        timing: { pending_ms: 10, running_ms: 20, terminating_ms: 10 },
        failure_message: 'Table not found',
        tasks: [
          { task_key: 'extract', max_retries: 1, fail_attempts: 9 },
          { task_key: 'publish', depends_on: ['extract'] },
        ],
      },
    );
    emu = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir, clock, timeScale: 1 });
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails trigger at once when the principal lacks CAN_MANAGE_RUN, naming permission, job and principal', async () => {
    const analyst = clientFor(emu.url, { token: 'dapi-analyst-token' });
    try {
      const { ctx } = contextFor(analyst, 1001, { step: 'trigger', polls: 0 });
      const error = await failureOf(trigger(ctx));
      expect(error.code).toBe('DATABRICKS_PERMISSION_DENIED');
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({
        permission: 'CAN_MANAGE_RUN',
        jobId: 1001,
        principal: 'analyst@example.com',
        endpoint: 'jobs/run-now',
      });
      expect(error.details.hint).toContain('Grant CAN_MANAGE_RUN on job 1001 to analyst@example.com');
      expect(error.message).toContain('analyst@example.com lacks CAN_MANAGE_RUN on job 1001');
      // Databricks' own words stay in the message.
      expect(error.message).toContain('does not have Manage Run or Owner or Admin permissions on job 1001');
      expect(error.details).toMatchObject({ status: 403, errorCode: 'PERMISSION_DENIED' });
      expect(JSON.stringify(error.details)).not.toContain('dapi-analyst-token');
      // One refused run-now: not retried, no run created.
      expect(emu.requestLog.entries({ route: 'jobs/run-now' }).filter((e) => e.status === 403)).toHaveLength(1);
    } finally {
      await analyst.close();
    }
  });

  it('reports each failed task with its error and the first lines of its trace, and the skipped ones', async () => {
    const sp = clientFor(emu.url, { clientId: 'd2s-sandbox-client', clientSecret: 'd2s-sandbox-secret' });
    try {
      const started = await sp.jobs.runNow({ job_id: 2001, idempotency_token: 'steps-chain-1' });
      clock.advance(1_000);
      const { ctx, reports } = contextFor(sp, 2001, { step: 'poll', runId: started.run_id, polls: 0 });
      const error = await failureOf(pollRun(ctx));
      expect(error.code).toBe('DATABRICKS_RUN_FAILED');
      expect(error.message).toContain('failed task: extract');
      const tasks = error.details.failedTasks as Array<Record<string, unknown>>;
      expect(tasks.map((t) => [t.taskKey, t.resultState])).toEqual([
        ['extract', 'FAILED'],
        ['publish', 'UPSTREAM_FAILED'],
      ]);
      expect(tasks[0]).toMatchObject({
        error: 'Workload failed, see run output for details',
        terminationCode: 'RUN_EXECUTION_ERROR',
        errorTraceTruncated: true,
      });
      expect((tasks[0]?.errorTraceHead as string[]).length).toBe(8);
      expect(tasks[1]).toMatchObject({ terminationCode: 'SKIPPED' });
      expect(tasks[1]?.error).toBeUndefined();
      // get-output was asked for the failed task's own run id only, never the parent's.
      const outputs = emu.requestLog.entries({ route: 'jobs/runs/get-output' });
      expect(outputs.map((e) => e.runId)).toEqual([tasks[0]?.taskRunId]);
      expect(reports.at(-1)?.failure).toMatchObject({ failedTasks: tasks });
    } finally {
      await sp.close();
    }
  });

  it("counts run-now's retry window from the sync's turn, so a sync that waited in line keeps its retries", async () => {
    const owner = clientFor(emu.url, { token: 'dapi-sandbox-token' });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    try {
      // Requested two hours ago (the dataset allows an hour), then waited behind other syncs: Databricks
      // answers its first run-now 503 with Retry-After, which is retried from `delayed`, not fatal.
      emu.admin.addHttpFault({ route: 'jobs/run-now', status: 503, retry_after_seconds: 60, count: 1 });
      const { ctx } = contextFor(owner, 1001, { step: 'trigger', polls: 0 }, twoHoursAgo);
      expect(await trigger(ctx)).toEqual({ kind: 'reschedule', delayMs: 60_000 });
      expect(Date.parse(ctx.progress.turnTakenAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

      // The same refusal once the window since its turn has passed fails the sync.
      emu.admin.addHttpFault({ route: 'jobs/run-now', status: 503, retry_after_seconds: 60, count: 1 });
      const late = contextFor(
        owner,
        1001,
        { step: 'trigger', polls: 0, turnTakenAt: twoHoursAgo.toISOString() },
        twoHoursAgo,
      );
      await expect(trigger(late.ctx)).rejects.toMatchObject({ retryable: true });
    } finally {
      await owner.close();
    }
  });

  it('counts a run whose failed task succeeded on a retry as a success', async () => {
    const sp = clientFor(emu.url, { clientId: 'd2s-sandbox-client', clientSecret: 'd2s-sandbox-secret' });
    try {
      const started = await sp.jobs.runNow({ job_id: 2002, idempotency_token: 'steps-flaky-1' });
      clock.advance(15); // extract's first attempt is running
      const { ctx } = contextFor(sp, 2002, { step: 'poll', runId: started.run_id, polls: 0 });
      expect(await pollRun(ctx)).toMatchObject({ kind: 'reschedule' });
      clock.advance(13); // the first attempt failed, its retry is under way: still running
      const midway = await sp.jobs.getRun(started.run_id);
      expect(midway.state?.life_cycle_state).toBe('RUNNING');
      expect(midway.tasks?.filter((t) => t.task_key === 'extract').map((t) => t.state?.result_state)).toEqual([
        'FAILED',
        undefined,
      ]);
      expect(await pollRun(ctx)).toMatchObject({ kind: 'reschedule' });
      clock.advance(1_000);
      expect(await pollRun(ctx)).toMatchObject({ kind: 'next', step: 'handoff' });
      const done = await sp.jobs.getRun(started.run_id);
      expect(done.tasks?.map((t) => [t.task_key, t.attempt_number, t.state?.result_state])).toEqual([
        ['extract', 0, 'FAILED'],
        ['extract', 1, 'FAILED'],
        ['extract', 2, 'SUCCESS'],
        ['publish', 0, 'SUCCESS'],
      ]);
    } finally {
      await sp.close();
    }
  });

  it('reports a task out of retries once, from its last attempt', async () => {
    const sp = clientFor(emu.url, { clientId: 'd2s-sandbox-client', clientSecret: 'd2s-sandbox-secret' });
    try {
      const started = await sp.jobs.runNow({ job_id: 2003, idempotency_token: 'steps-out-of-retries-1' });
      clock.advance(1_000);
      emu.requestLog.clear();
      const { ctx } = contextFor(sp, 2003, { step: 'poll', runId: started.run_id, polls: 0 });
      const error = await failureOf(pollRun(ctx));
      expect(error.code).toBe('DATABRICKS_RUN_FAILED');
      const run = await sp.jobs.getRun(started.run_id);
      const lastExtract = run.tasks?.filter((t) => t.task_key === 'extract').at(-1);
      expect(lastExtract?.attempt_number).toBe(1);
      const tasks = error.details.failedTasks as Array<Record<string, unknown>>;
      expect(tasks.map((t) => [t.taskKey, t.resultState, t.taskRunId])).toEqual([
        ['extract', 'FAILED', lastExtract?.run_id],
        ['publish', 'UPSTREAM_FAILED', run.tasks?.find((t) => t.task_key === 'publish')?.run_id],
      ]);
      expect(tasks[0]).toMatchObject({ error: 'Table not found' });
      // get-output was read for the last attempt only.
      const outputs = emu.requestLog.entries({ route: 'jobs/runs/get-output' });
      expect(outputs.map((e) => e.runId)).toEqual([lastExtract?.run_id]);
    } finally {
      await sp.close();
    }
  });

  it('fails polling with the permission hint when the principal may not view the run', async () => {
    const fixture = await loadFixture(sandboxFixturePath);
    const job = fixture.jobs.find((j) => j.job_id === 1001);
    if (job?.access_control_list) job.access_control_list = job.access_control_list.filter((e) => !e.user_name);
    const strict = await startDatabricksEmulator({ port: 0, fixture, objectStoreRoot: dir, clock, timeScale: 1 });
    const ownerOnStrict = clientFor(strict.url, { token: 'dapi-sandbox-token' });
    const analyst = clientFor(strict.url, { token: 'dapi-analyst-token' });
    try {
      const started = await ownerOnStrict.jobs.runNow({ job_id: 1001, idempotency_token: 'steps-view-1' });
      const { ctx } = contextFor(analyst, 1001, { step: 'poll', runId: started.run_id, polls: 0 });
      const error = await failureOf(pollRun(ctx));
      expect(error.code).toBe('DATABRICKS_PERMISSION_DENIED');
      expect(error.details).toMatchObject({ permission: 'CAN_VIEW', principal: 'analyst@example.com' });
    } finally {
      await Promise.all([ownerOnStrict.close(), analyst.close()]);
      await strict.close();
    }
  });
});
