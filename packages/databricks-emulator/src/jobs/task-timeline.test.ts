import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

// Job 1002 of the test fixture: ingest → transform, and audit on its own; ingest is the failing task.
// Timing: pending 100 ms, running 200 ms (two dependency levels: 100 ms each), terminating 100 ms.
interface Task {
  task_key: string;
  run_id: number;
  start_time: number;
  end_time: number;
  execution_duration: number;
  state: { life_cycle_state: string; result_state?: string; state_message: string };
  status: { state: string; termination_details?: { code: string; type: string; message: string } };
}
const byKey = (run: { tasks: Task[] }) => Object.fromEntries(run.tasks.map((t) => [t.task_key, t]));

describe('task states on their own timelines', () => {
  const clock = new ManualClock();
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ clock });
  });
  afterAll(() => emu.stop());

  const runsGet = async (runId: number) =>
    (await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`)).body as { tasks: Task[] };

  it('blocks a task until its upstream ends, and gives each task its own start and end time', async () => {
    const t0 = clock.now();
    const runId = (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 1002 } })).body.run_id as number;
    let tasks = byKey(await runsGet(runId));
    // BLOCKED: "The run is blocked on an upstream dependency" (RunLifeCycleState, databricks-sdk-java/-py models).
    expect(tasks.transform?.state.life_cycle_state).toBe('BLOCKED');
    expect(tasks.transform?.status.state).toBe('BLOCKED');
    expect(tasks.ingest?.state.life_cycle_state).toBe('PENDING');

    clock.advance(150);
    tasks = byKey(await runsGet(runId));
    expect(tasks.ingest?.state.life_cycle_state).toBe('RUNNING');
    expect(tasks.transform?.state.life_cycle_state).toBe('BLOCKED');

    clock.advance(100);
    tasks = byKey(await runsGet(runId));
    expect(tasks.ingest?.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(tasks.ingest?.end_time).toBe(t0 + 200);
    expect(tasks.transform?.state.life_cycle_state).toBe('RUNNING');
    expect(tasks.transform?.start_time).toBe(t0 + 200);

    clock.advance(200);
    tasks = byKey(await runsGet(runId));
    expect(tasks.transform?.end_time).toBe(t0 + 300);
    expect(tasks.transform?.execution_duration).toBe(100);
    expect(tasks.ingest?.start_time).toBe(t0);
  });

  it('skips the tasks downstream of a failed task: UPSTREAM_FAILED with termination code SKIPPED', async () => {
    // RunResultState.UPSTREAM_FAILED "The run was skipped because of an upstream failure"; TerminationCodeCode
    // SKIPPED "Run was never executed, for example, if the upstream task run failed" (databricks-sdk-py jobs.py).
    await api(emu, 'POST', '/__emulator/faults/runs', {
      token: null,
      body: { job_id: 1002, outcome: 'FAILED', message: 'ingest blew up' },
    });
    const t0 = clock.now();
    const runId = (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(250);
    let tasks = byKey(await runsGet(runId));
    expect(tasks.ingest?.state.result_state).toBe('FAILED');
    expect(tasks.transform?.state.result_state).toBe('UPSTREAM_FAILED');
    clock.advance(200);
    tasks = byKey(await runsGet(runId));
    expect(tasks.transform?.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'UPSTREAM_FAILED' });
    expect(tasks.transform?.status.termination_details?.code).toBe('SKIPPED');
    expect(tasks.transform?.execution_duration).toBe(0);
    expect(tasks.transform?.end_time).toBe(t0 + 200);
    expect(tasks.audit?.state.result_state).toBe('SUCCESS');

    const skipped = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${tasks.transform?.run_id}`);
    expect(skipped.body.error).toBeUndefined();
    const failed = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${tasks.ingest?.run_id}`);
    expect(failed.body.error).toBe('ingest blew up');
    expect(failed.body.error_trace.split('\n').length).toBeGreaterThan(5);
    expect(failed.body.error_trace).toContain('Exception: ingest blew up');
  });

  it('cancelling the run cancels started tasks and marks blocked ones UPSTREAM_CANCELED', async () => {
    const runId = (await api(emu, 'POST', '/api/2.2/jobs/run-now', { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(150);
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: runId } });
    clock.advance(100);
    const tasks = byKey(await runsGet(runId));
    expect(tasks.ingest?.state.result_state).toBe('CANCELED');
    expect(tasks.transform?.state.result_state).toBe('UPSTREAM_CANCELED');
    expect(tasks.transform?.status.termination_details?.code).toBe('SKIPPED');
  });
});
