import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { api, startTestEmulator, type TestEmulator, waitForRun } from '../../test-support/harness.js';

const RUN_NOW = '/api/2.2/jobs/run-now';
const get = (emu: TestEmulator, runId: number, version = '2.2') =>
  api(emu, 'GET', `/api/${version}/jobs/runs/get?run_id=${runId}`);

describe('Jobs API on a manual clock', () => {
  const clock = new ManualClock();
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ clock });
  });
  afterAll(() => emu.stop());

  it('walks a run through PENDING → RUNNING → TERMINATING → TERMINATED with both state and status', async () => {
    const start = clock.now();
    const created = await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, job_parameters: { a: '1' } } });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(['number_in_job', 'run_id']);
    expect(typeof created.body.run_id).toBe('number');
    expect(created.body.number_in_job).toBe(created.body.run_id);
    const runId = created.body.run_id as number;

    let run = (await get(emu, runId)).body;
    expect(run.state).toEqual({
      life_cycle_state: 'PENDING',
      state_message: 'Waiting for cluster',
      user_cancelled_or_timedout: false,
    });
    expect(run.status).toEqual({ state: 'PENDING' });
    expect(run.start_time).toBe(start);
    expect(run.end_time).toBe(0);
    expect(run.job_id).toBe(1002);
    expect(run.run_page_url).toBe(`${emu.url}/?o=42#job/1002/run/${runId}`);
    expect(run.job_parameters).toEqual([{ name: 'a', value: '1' }]);
    expect(run.tasks.map((t: { task_key: string }) => t.task_key)).toEqual(['ingest', 'transform', 'audit']);
    const taskIds = run.tasks.map((t: { run_id: number }) => t.run_id);
    expect(new Set([runId, ...taskIds]).size).toBe(4);
    expect(run.tasks[0].state.life_cycle_state).toBe('PENDING');

    clock.advance(100);
    run = (await get(emu, runId)).body;
    expect(run.state.life_cycle_state).toBe('RUNNING');
    expect(run.status.state).toBe('RUNNING');
    expect(run.state.result_state).toBeUndefined();

    clock.advance(200);
    run = (await get(emu, runId)).body;
    expect(run.state.life_cycle_state).toBe('TERMINATING');
    expect(run.status).toEqual({ state: 'TERMINATING' });

    clock.advance(100);
    run = (await get(emu, runId)).body;
    expect(run.state).toEqual({
      life_cycle_state: 'TERMINATED',
      result_state: 'SUCCESS',
      state_message: '',
      user_cancelled_or_timedout: false,
    });
    expect(run.status).toEqual({
      state: 'TERMINATED',
      termination_details: { code: 'SUCCESS', type: 'SUCCESS', message: '' },
    });
    expect(run.end_time).toBe(start + 400);
    expect([run.setup_duration, run.execution_duration, run.cleanup_duration]).toEqual([100, 200, 100]);
    expect(run.tasks.every((t: { state: { result_state: string } }) => t.state.result_state === 'SUCCESS')).toBe(true);
  });

  it('cancels asynchronously: RUNNING → TERMINATING → TERMINATED/CANCELED', async () => {
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(150);
    expect((await get(emu, runId)).body.state.life_cycle_state).toBe('RUNNING');
    const cancel = await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: runId } });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({});
    let run = (await get(emu, runId)).body;
    expect(run.state.life_cycle_state).toBe('TERMINATING');
    clock.advance(100);
    run = (await get(emu, runId)).body;
    expect(run.state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'CANCELED',
      user_cancelled_or_timedout: true,
    });
    expect(run.status.termination_details.code).toBe('USER_CANCELED');
    expect(run.tasks[0].state.result_state).toBe('CANCELED');
    // cancelling a finished run is a no-op
    expect((await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: runId } })).status).toBe(200);
  });

  it('queues beyond max_concurrent_runs and starts the queued run when the slot frees', async () => {
    const first = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1005 } })).body.run_id as number;
    const second = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1005 } })).body.run_id as number;
    const queued = (await get(emu, second)).body;
    expect(queued.state.life_cycle_state).toBe('QUEUED');
    expect(queued.state.queue_reason).toMatch(/maximum concurrent runs of 1/);
    expect(queued.status).toMatchObject({ state: 'QUEUED', queue_details: { code: 'MAX_CONCURRENT_RUNS_REACHED' } });
    clock.advance(400);
    expect((await get(emu, first)).body.state.life_cycle_state).toBe('TERMINATED');
    expect((await get(emu, second)).body.state.life_cycle_state).toBe('PENDING');
    clock.advance(400);
    const done = (await get(emu, second)).body;
    expect(done.state.result_state).toBe('SUCCESS');
    expect(done.queue_duration).toBe(400);
  });

  it('cancels a queued run at once', async () => {
    const first = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1005 } })).body.run_id as number;
    const second = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1005 } })).body.run_id as number;
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: second } });
    expect((await get(emu, second)).body.state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'CANCELED',
    });
    clock.advance(400);
    expect((await get(emu, first)).body.state.result_state).toBe('SUCCESS');
  });

  it('skips a run over the limit when queueing is off', async () => {
    await api(emu, 'POST', RUN_NOW, { body: { job_id: 1006 } });
    const skipped = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1006 } })).body.run_id as number;
    const run = (await get(emu, skipped)).body;
    expect(run.state.life_cycle_state).toBe('SKIPPED');
    expect(run.state.result_state).toBe('MAXIMUM_CONCURRENT_RUNS_REACHED');
    expect(run.status).toMatchObject({
      state: 'TERMINATED',
      termination_details: { code: 'MAX_CONCURRENT_RUNS_EXCEEDED', type: 'CLIENT_ERROR' },
    });
    clock.advance(400);
  });

  it('ends FAILED with the failing task, upstream failure and per-task get-output', async () => {
    const fault = await api(emu, 'POST', '/__emulator/faults/runs', {
      token: null,
      body: { job_id: 1002, outcome: 'FAILED', message: 'ingest blew up' },
    });
    expect(fault.status).toBe(200);
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(400);
    const run = (await get(emu, runId)).body;
    expect(run.state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'FAILED',
      state_message: 'ingest blew up',
    });
    expect(run.status.termination_details).toEqual({
      code: 'RUN_EXECUTION_ERROR',
      type: 'CLIENT_ERROR',
      message: 'ingest blew up',
    });
    const byKey = Object.fromEntries(run.tasks.map((t: { task_key: string }) => [t.task_key, t]));
    expect(byKey.ingest.state.result_state).toBe('FAILED');
    expect(byKey.transform.state.result_state).toBe('UPSTREAM_FAILED');
    expect(byKey.audit.state.result_state).toBe('SUCCESS');

    const output = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${byKey.ingest.run_id}`);
    expect(output.status).toBe(200);
    expect(output.body.error).toBe('ingest blew up');
    expect(output.body.metadata).toMatchObject({ run_id: byKey.ingest.run_id, job_id: 1002, task_key: 'ingest' });
    const parent = await api(emu, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${runId}`);
    const taskAsRun = (await get(emu, byKey.ingest.run_id)).body;
    expect(taskAsRun).toMatchObject({ run_id: byKey.ingest.run_id, parent_run_id: runId, task_key: 'ingest' });
    expect(taskAsRun.state.result_state).toBe('FAILED');
    expect(parent.status).toBe(400);
    expect(parent.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
    });
    // the fault was used up: the next run succeeds
    const next = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(400);
    expect((await get(emu, next)).body.state.result_state).toBe('SUCCESS');
  });

  it('ends INTERNAL_ERROR without TERMINATING', async () => {
    await api(emu, 'POST', '/__emulator/faults/runs', { token: null, body: { outcome: 'INTERNAL_ERROR', count: 1 } });
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(300);
    const run = (await get(emu, runId)).body;
    expect(run.state.life_cycle_state).toBe('INTERNAL_ERROR');
    expect(run.state.result_state).toBe('FAILED');
    expect(run.status).toMatchObject({
      state: 'TERMINATED',
      termination_details: { code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR' },
    });
  });

  it('fails runs of a job whose fixture outcome is FAILED', async () => {
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1004 } })).body.run_id as number;
    clock.advance(400);
    const run = (await get(emu, runId)).body;
    expect(run.state).toMatchObject({ result_state: 'FAILED', state_message: 'boom' });
  });

  it('pages tasks in 2.2 (next_page_token) and returns all in 2.1', async () => {
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1003 } })).body.run_id as number;
    const first = (await get(emu, runId)).body;
    expect(first.tasks).toHaveLength(100);
    expect(typeof first.next_page_token).toBe('string');
    const second = (await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}&page_token=${first.next_page_token}`))
      .body;
    expect(second.tasks).toHaveLength(50);
    expect(second.next_page_token).toBeUndefined();
    expect(second.job_parameters).toEqual([]);
    const keys = [...first.tasks, ...second.tasks].map((t: { task_key: string }) => t.task_key);
    expect(new Set(keys).size).toBe(150);
    const v21 = (await get(emu, runId, '2.1')).body;
    expect(v21.tasks).toHaveLength(150);
    expect(v21.next_page_token).toBeUndefined();
    const bad = await api(emu, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}&page_token=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    clock.advance(400);
  });

  it('cancelling one task run leaves its siblings running', async () => {
    const runId = (await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002 } })).body.run_id as number;
    clock.advance(150);
    const run = (await get(emu, runId)).body;
    await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: run.tasks[2].run_id } });
    const after = (await get(emu, runId)).body;
    expect(after.state.life_cycle_state).toBe('RUNNING');
    expect(after.tasks[2].state.result_state).toBe('CANCELED');
    expect(after.tasks[0].state.life_cycle_state).toBe('RUNNING');
    clock.advance(400);
  });
});

describe('Jobs API errors and idempotency', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ timeScale: 0.1 });
  });
  afterAll(() => emu.stop());

  it('answers a missing run exactly like Databricks (400 INVALID_PARAMETER_VALUE)', async () => {
    for (const path of [
      '/api/2.2/jobs/runs/get?run_id=5',
      '/api/2.1/jobs/runs/get?run_id=5',
      '/api/2.2/jobs/runs/get-output?run_id=5',
    ]) {
      const res = await api(emu, 'GET', path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Run 5 does not exist.' });
    }
    const cancel = await api(emu, 'POST', '/api/2.2/jobs/runs/cancel', { body: { run_id: 5 } });
    expect(cancel.status).toBe(400);
    expect(cancel.body.message).toBe('Run 5 does not exist.');
  });

  it('rejects an unknown job', async () => {
    const res = await api(emu, 'POST', RUN_NOW, { body: { job_id: 999 } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 999 does not exist.' });
  });

  it('rejects malformed bodies and tokens over 64 characters', async () => {
    const res = await api(emu, 'POST', RUN_NOW, { headers: { 'content-type': 'application/json' }, form: '{nope' });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('MALFORMED_REQUEST');
    const long = await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, idempotency_token: 'x'.repeat(65) } });
    expect(long.status).toBe(400);
    expect(long.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('returns the same run for the same idempotency token, also when sent concurrently', async () => {
    const a = await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, idempotency_token: 'sync-1-attempt-1' } });
    const b = await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, idempotency_token: 'sync-1-attempt-1' } });
    expect(b.body.run_id).toBe(a.body.run_id);
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () =>
        api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, idempotency_token: 'sync-2' } }),
      ),
    );
    expect(new Set(concurrent.map((r) => r.body.run_id)).size).toBe(1);
    const other = await api(emu, 'POST', RUN_NOW, { body: { job_id: 1002, idempotency_token: 'sync-3' } });
    expect(other.body.run_id).not.toBe(a.body.run_id);
    const runs = (await api(emu, 'GET', '/__emulator/runs', { token: null })).body.runs as Array<{
      idempotency_token?: string;
    }>;
    expect(runs.filter((r) => r.idempotency_token === 'sync-2')).toHaveLength(1);
    const log = emu.requestLog.entries({ route: 'jobs/run-now' }).filter((e) => e.idempotencyToken === 'sync-2');
    expect(log).toHaveLength(10);
    expect(log.every((e) => e.status === 200 && e.runId === concurrent[0]?.body.run_id)).toBe(true);
  });

  it('serves 2.1 paths and jobs/get', async () => {
    const created = await api(emu, 'POST', '/api/2.1/jobs/run-now', { body: { job_id: 1002 } });
    const done = await waitForRun(emu, created.body.run_id);
    expect(done.body.state.result_state).toBe('SUCCESS');
    const job = await api(emu, 'GET', '/api/2.2/jobs/get?job_id=1001');
    expect(job.body).toMatchObject({
      job_id: 1001,
      settings: { name: 'export-shared-forecasts', max_concurrent_runs: 10 },
    });
    expect(job.body.settings.parameters).toEqual([
      { name: 'output_path', default: '' },
      { name: 'forecast_date', default: '2024-06-01' },
    ]);
    expect((await api(emu, 'GET', '/api/2.2/jobs/get?job_id=5')).body.message).toBe('Job 5 does not exist.');
  });

  it('answers unknown endpoints with ENDPOINT_NOT_FOUND', async () => {
    const res = await api(emu, 'GET', '/api/2.2/jobs/nope');
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});
