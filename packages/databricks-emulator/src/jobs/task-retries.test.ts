import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import { testFixture } from '../../test-support/test-fixture.js';

// Task retries as Databricks shows them. Sources:
// - RunTask.attempt_number (@databricks/sdk-experimental jobs model, same text in databricks-sdk-py/-go): "The initial
//   attempt of a run has an attempt_number of 0. If the initial run attempt fails, and the job has a retry policy
//   (max_retries > 0), subsequent runs are created with an original_attempt_run_id of the original attempt's ID and
//   an incrementing attempt_number. Runs are retried only until they succeed, and the maximum attempt_number is the
//   same as the max_retries value for the job."
// - Task.min_retry_interval_millis: "minimal interval in milliseconds between the start of the failed run and the
//   subsequent retry run".
// - RunLifeCycleState WAITING_FOR_RETRY "The run is waiting for a retry"; RunLifecycleStateV2State WAITING.
// - apache/airflow#72313 (checked against a live workspace, a task with max_retries: 1 that always fails): "the API
//   returns two entries for that task — attempt_number 0 and 1, both FAILED, with different task run ids".
// Not confirmed from a source: that the waiting retry is its own entry (rather than the failed entry changing state).
//
// Job 1009 (below): export (max_retries 2, min_retry_interval_millis 150, fails once) → publish. Timing: pending 100 ms,
// running 200 ms over two dependency levels (100 ms a slice), terminating 100 ms.
interface Task {
  task_key: string;
  run_id: number;
  attempt_number: number;
  start_time: number;
  end_time: number;
  state: { life_cycle_state: string; result_state?: string; state_message: string };
  status: { state: string; termination_details?: { code: string; type: string; message: string } };
}
interface RunBody {
  state: { life_cycle_state: string; result_state?: string };
  status: { state: string };
  tasks: Task[];
}

describe('task retries as attempts', () => {
  const clock = new ManualClock();
  let emu: TestEmulator;
  beforeAll(async () => {
    const fixture = testFixture();
    const timing = { pending_ms: 100, running_ms: 200, terminating_ms: 100 };
    fixture.jobs.push(
      {
        job_id: 1009,
        name: 'flaky-export',
        max_concurrent_runs: 5,
        failure_message: 'Connection reset by peer',
        timing,
        tasks: [
          { task_key: 'export', max_retries: 2, min_retry_interval_millis: 150, fail_attempts: 1 },
          { task_key: 'publish', depends_on: ['export'] },
        ],
      },
      {
        // Out of retries: load fails on its first attempt and on its one retry.
        job_id: 1010,
        name: 'out-of-retries',
        max_concurrent_runs: 5,
        failure_message: 'Table not found',
        timing,
        tasks: [
          { task_key: 'load', max_retries: 1, fail_attempts: 5 },
          { task_key: 'report', depends_on: ['load'] },
        ],
      },
    );
    emu = await startTestEmulator({ clock, fixture });
  });
  afterAll(() => emu.stop());

  const runsGet = async (runId: number, version = '2.2') =>
    (await api(emu, 'GET', `/api/${version}/jobs/runs/get?run_id=${runId}`)).body as RunBody;
  const runNow = async (jobId: number) =>
    (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: jobId } })).body.run_id as number;
  const attemptsOf = (run: RunBody, key: string) => run.tasks.filter((t) => t.task_key === key);

  it('lists a failed attempt and its retry as two entries with their own run ids; the run stays RUNNING', async () => {
    const t0 = clock.now();
    const runId = await runNow(1009);
    clock.advance(150); // pending until t0+100, export attempt 0 runs t0+100..t0+200
    let run = await runsGet(runId);
    expect(attemptsOf(run, 'export')).toHaveLength(1);
    expect(attemptsOf(run, 'export')[0]).toMatchObject({ attempt_number: 0, state: { life_cycle_state: 'RUNNING' } });

    clock.advance(75); // t0+225: attempt 0 failed at t0+200; the retry waits until t0+100+150
    run = await runsGet(runId);
    expect(run.state.life_cycle_state).toBe('RUNNING');
    expect(run.status.state).toBe('RUNNING');
    const [first, retry] = attemptsOf(run, 'export');
    expect(first).toMatchObject({
      attempt_number: 0,
      end_time: t0 + 200,
      state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Connection reset by peer' },
      status: { state: 'TERMINATED', termination_details: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR' } },
    });
    expect(retry).toMatchObject({ attempt_number: 1, state: { life_cycle_state: 'WAITING_FOR_RETRY' } });
    expect(retry?.status.state).toBe('WAITING');
    expect(retry?.run_id).not.toBe(first?.run_id);
    expect(attemptsOf(run, 'publish')[0]?.state.life_cycle_state).toBe('BLOCKED');

    clock.advance(50); // t0+275: the retry runs t0+250..t0+350
    run = await runsGet(runId);
    expect(attemptsOf(run, 'export')[1]).toMatchObject({
      start_time: t0 + 250,
      state: { life_cycle_state: 'RUNNING' },
    });

    clock.advance(300); // publish runs t0+350..t0+450, then the run terminates at t0+550
    run = await runsGet(runId);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(attemptsOf(run, 'export').map((t) => [t.attempt_number, t.state.result_state])).toEqual([
      [0, 'FAILED'],
      [1, 'SUCCESS'],
    ]);
    expect(attemptsOf(run, 'publish')[0]).toMatchObject({ start_time: t0 + 350, state: { result_state: 'SUCCESS' } });

    // Each attempt is a run of its own: runs/get and get-output answer for its run id.
    const retryRun = (await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${retry?.run_id}`)).body;
    expect(retryRun).toMatchObject({
      run_id: retry?.run_id,
      attempt_number: 1,
      original_attempt_run_id: first?.run_id,
      parent_run_id: runId,
    });
    const failedOutput = (await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${first?.run_id}`)).body;
    expect(failedOutput.error).toBe('Connection reset by peer');
    expect(failedOutput.metadata).toMatchObject({ attempt_number: 0, state: { result_state: 'FAILED' } });
    const retryOutput = (await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${retry?.run_id}`)).body;
    expect(retryOutput.error).toBeUndefined();
  });

  it('does not know a retry before it exists', async () => {
    const runId = await runNow(1009);
    clock.advance(150);
    const run = await runsGet(runId);
    const firstAttempt = attemptsOf(run, 'export')[0]?.run_id as number;
    // The retry's run id would be allocated after every first attempt; it is not served before the attempt exists.
    const later = Math.max(...run.tasks.map((t) => t.run_id)) + 1;
    const res = await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${later}`);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(firstAttempt).toBeGreaterThan(runId);
    clock.advance(1000);
  });

  it('fails the run when a task is out of retries: every attempt FAILED, downstream UPSTREAM_FAILED', async () => {
    const runId = await runNow(1010);
    clock.advance(2000);
    const run = await runsGet(runId);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    const load = attemptsOf(run, 'load');
    // max_retries 1: attempt_number goes up to max_retries and no further.
    expect(load.map((t) => [t.attempt_number, t.state.result_state])).toEqual([
      [0, 'FAILED'],
      [1, 'FAILED'],
    ]);
    expect(new Set(load.map((t) => t.run_id)).size).toBe(2);
    expect(attemptsOf(run, 'report')).toEqual([
      expect.objectContaining({
        attempt_number: 0,
        state: expect.objectContaining({ result_state: 'UPSTREAM_FAILED' }),
      }),
    ]);
  });

  it('cancels a retry that is waiting for its start', async () => {
    const runId = await runNow(1009);
    clock.advance(225);
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: runId } });
    clock.advance(500);
    const run = await runsGet(runId);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
    expect(attemptsOf(run, 'export').map((t) => t.state.result_state)).toEqual(['FAILED', 'CANCELED']);
    expect(attemptsOf(run, 'publish')[0]?.state.result_state).toBe('UPSTREAM_CANCELED');
  });

  it('shows the retry policy in jobs/get', async () => {
    const job = (await api(emu, 'GET', '/api/2.2/jobs/get?job_id=1009')).body;
    expect(job.settings.tasks[0]).toMatchObject({ task_key: 'export', max_retries: 2, min_retry_interval_millis: 150 });
  });

  it('parses with the official SDK: its RunTask carries attempt_number and the WAITING_FOR_RETRY state', async () => {
    const sdk = new WorkspaceClient({
      host: emu.url,
      configFile: '/nonexistent/.databrickscfg',
      authType: 'pat',
      token: 'dapi-test-token',
      env: {},
    } as ConstructorParameters<typeof WorkspaceClient>[0]);
    const runId = await runNow(1009);
    clock.advance(225);
    const waiting = await sdk.jobs.getRun({ run_id: runId });
    expect(waiting.state?.life_cycle_state).toBe('RUNNING');
    expect(
      waiting.tasks?.map((t) => [t.task_key, t.attempt_number, t.state?.life_cycle_state, t.status?.state]),
    ).toEqual([
      ['export', 0, 'TERMINATED', 'TERMINATED'],
      ['export', 1, 'WAITING_FOR_RETRY', 'WAITING'],
      ['publish', 0, 'BLOCKED', 'BLOCKED'],
    ]);
    clock.advance(1000);
  });

  it('lists every attempt in 2.1 too', async () => {
    const runId = await runNow(1010);
    clock.advance(2000);
    const v21 = await runsGet(runId, '2.1');
    expect(v21.tasks.map((t) => `${t.task_key}#${t.attempt_number}`)).toEqual(['load#0', 'load#1', 'report#0']);
  });
});
