import { describe, expect, it } from 'vitest';
import type { Run } from './jobs-types.js';
import { classifyRunState, failedTasks, isFinalPhase, type RunPhase, type RunStateInput } from './run-state.js';

const URL = 'https://example.cloud.databricks.com/?o=1#job/7/run/42';

interface Case {
  name: string;
  run: RunStateInput;
  phase: RunPhase;
  failureCode?: string;
  isClientError?: boolean;
  message?: string;
}

const cases: Case[] = [
  // In progress, `state` only.
  { name: 'QUEUED', run: { state: { life_cycle_state: 'QUEUED' } }, phase: 'pending' },
  { name: 'PENDING', run: { state: { life_cycle_state: 'PENDING' } }, phase: 'pending' },
  { name: 'BLOCKED', run: { state: { life_cycle_state: 'BLOCKED' } }, phase: 'pending' },
  { name: 'WAITING_FOR_RETRY', run: { state: { life_cycle_state: 'WAITING_FOR_RETRY' } }, phase: 'pending' },
  { name: 'RUNNING', run: { state: { life_cycle_state: 'RUNNING' } }, phase: 'running' },
  { name: 'TERMINATING', run: { state: { life_cycle_state: 'TERMINATING' } }, phase: 'terminating' },
  {
    name: 'TERMINATING with an early result state is not final yet',
    run: { state: { life_cycle_state: 'TERMINATING', result_state: 'SUCCESS' } },
    phase: 'terminating',
  },
  {
    name: 'unknown life-cycle state counts as running',
    run: { state: { life_cycle_state: 'HIBERNATING' } },
    phase: 'running',
  },
  { name: 'neither state nor status', run: {}, phase: 'pending' },
  { name: 'empty state object', run: { state: {} }, phase: 'pending' },
  // In progress, `status` only.
  { name: 'status QUEUED', run: { status: { state: 'QUEUED' } }, phase: 'pending' },
  { name: 'status WAITING', run: { status: { state: 'WAITING' } }, phase: 'pending' },
  { name: 'status RUNNING', run: { status: { state: 'RUNNING' } }, phase: 'running' },
  { name: 'status TERMINATING', run: { status: { state: 'TERMINATING' } }, phase: 'terminating' },
  { name: 'status unknown', run: { status: { state: 'SOMETHING_NEW' } }, phase: 'running' },
  {
    name: 'status wins over state while in progress',
    run: { state: { life_cycle_state: 'PENDING' }, status: { state: 'RUNNING' } },
    phase: 'running',
  },
  // Success.
  {
    name: 'TERMINATED SUCCESS',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' } },
    phase: 'succeeded',
  },
  {
    name: 'status TERMINATED with code SUCCESS',
    run: { status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS', type: 'SUCCESS' } } },
    phase: 'succeeded',
  },
  {
    name: 'both objects, success',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: '' },
      status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS', type: 'SUCCESS', message: '' } },
    },
    phase: 'succeeded',
  },
  // Failures.
  {
    name: 'FAILED with termination details',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'Task export failed' },
      status: {
        state: 'TERMINATED',
        termination_details: { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: 'Workload failed' },
      },
      run_page_url: URL,
    },
    phase: 'failed',
    failureCode: 'RUN_EXECUTION_ERROR',
    isClientError: true,
    message: 'Workload failed',
  },
  {
    name: 'FAILED with state only',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'boom' } },
    phase: 'failed',
    failureCode: 'FAILED',
    isClientError: false,
    message: 'boom',
  },
  {
    name: 'TIMEDOUT',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'TIMEDOUT', user_cancelled_or_timedout: true } },
    phase: 'failed',
    failureCode: 'TIMEDOUT',
  },
  {
    name: 'SUCCESS_WITH_FAILURES is not success',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS_WITH_FAILURES' } },
    phase: 'failed',
    failureCode: 'SUCCESS_WITH_FAILURES',
  },
  {
    name: 'status code SUCCESS_WITH_FAILURES is not success',
    run: { status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS_WITH_FAILURES', type: 'SUCCESS' } } },
    phase: 'failed',
    failureCode: 'SUCCESS_WITH_FAILURES',
  },
  {
    name: 'EXCLUDED',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'EXCLUDED' } },
    phase: 'failed',
    failureCode: 'EXCLUDED',
  },
  {
    name: 'UPSTREAM_FAILED',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'UPSTREAM_FAILED' } },
    phase: 'failed',
    failureCode: 'UPSTREAM_FAILED',
  },
  {
    name: 'UPSTREAM_CANCELED is a failure, not a cancel of this run',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'UPSTREAM_CANCELED' } },
    phase: 'failed',
    failureCode: 'UPSTREAM_CANCELED',
  },
  {
    name: 'MAXIMUM_CONCURRENT_RUNS_REACHED',
    run: { state: { life_cycle_state: 'SKIPPED', result_state: 'MAXIMUM_CONCURRENT_RUNS_REACHED' } },
    phase: 'failed',
    failureCode: 'MAXIMUM_CONCURRENT_RUNS_REACHED',
  },
  {
    name: 'SKIPPED life cycle without result',
    run: { state: { life_cycle_state: 'SKIPPED', state_message: 'An active run exists' } },
    phase: 'failed',
    failureCode: 'SKIPPED',
    message: 'An active run exists',
  },
  {
    name: 'status TERMINATED + SKIPPED code',
    run: { status: { state: 'TERMINATED', termination_details: { code: 'SKIPPED', type: 'CLIENT_ERROR' } } },
    phase: 'failed',
    failureCode: 'SKIPPED',
    isClientError: true,
  },
  {
    name: 'INTERNAL_ERROR life cycle',
    run: { state: { life_cycle_state: 'INTERNAL_ERROR', state_message: 'Jobs service unavailable' } },
    phase: 'failed',
    failureCode: 'INTERNAL_ERROR',
    isClientError: false,
  },
  {
    name: 'status INTERNAL_ERROR type',
    run: {
      status: { state: 'TERMINATED', termination_details: { code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR' } },
    },
    phase: 'failed',
    failureCode: 'INTERNAL_ERROR',
    isClientError: false,
  },
  {
    name: 'CLOUD_FAILURE',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED' },
      status: { state: 'TERMINATED', termination_details: { code: 'CLOUD_FAILURE', type: 'CLOUD_FAILURE' } },
    },
    phase: 'failed',
    failureCode: 'CLOUD_FAILURE',
    isClientError: false,
  },
  {
    name: 'DISABLED',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'DISABLED' } },
    phase: 'failed',
    failureCode: 'DISABLED',
  },
  {
    name: 'unknown result state',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'PARTIALLY_MAGIC' } },
    phase: 'failed',
    failureCode: 'PARTIALLY_MAGIC',
  },
  {
    name: 'TERMINATED with no result at all',
    run: { state: { life_cycle_state: 'TERMINATED' } },
    phase: 'failed',
    failureCode: 'TERMINATED',
  },
  {
    name: 'result SUCCESS beats a conflicting termination code',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS_WITH_FAILURES' } },
    },
    phase: 'succeeded',
  },
  {
    name: 'result FAILED beats a termination code SUCCESS',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED' },
      status: { state: 'TERMINATED', termination_details: { code: 'SUCCESS' } },
    },
    phase: 'failed',
    failureCode: 'SUCCESS',
  },
  {
    name: 'terminal in status although state lags behind',
    run: {
      state: { life_cycle_state: 'TERMINATING' },
      status: { state: 'TERMINATED', termination_details: { code: 'DRIVER_ERROR', type: 'CLIENT_ERROR' } },
    },
    phase: 'failed',
    failureCode: 'DRIVER_ERROR',
    isClientError: true,
  },
  // Cancel.
  {
    name: 'CANCELED result',
    run: { state: { life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: 'Run cancelled.' } },
    phase: 'canceled',
    failureCode: 'CANCELED',
    message: 'Run cancelled.',
  },
  {
    name: 'USER_CANCELED code',
    run: { status: { state: 'TERMINATED', termination_details: { code: 'USER_CANCELED', type: 'SUCCESS' } } },
    phase: 'canceled',
    failureCode: 'USER_CANCELED',
  },
  {
    name: 'both objects canceled',
    run: {
      state: { life_cycle_state: 'TERMINATED', result_state: 'CANCELED', user_cancelled_or_timedout: true },
      status: {
        state: 'TERMINATED',
        termination_details: { code: 'USER_CANCELED', type: 'SUCCESS', message: 'Canceled by user' },
      },
    },
    phase: 'canceled',
    failureCode: 'USER_CANCELED',
    message: 'Canceled by user',
  },
];

describe('classifyRunState', () => {
  it.each(cases)('$name → $phase', ({ run, phase, failureCode, isClientError, message }) => {
    const summary = classifyRunState({ run_page_url: URL, ...run });
    expect(summary.phase).toBe(phase);
    expect(summary.runPageUrl).toBe(URL);
    if (phase === 'failed' || phase === 'canceled') {
      expect(summary.failure).toBeDefined();
      expect(summary.failure?.code).toBe(failureCode);
      expect(summary.failure?.runPageUrl).toBe(URL);
      expect(summary.failure?.message.length).toBeGreaterThan(0);
      if (isClientError !== undefined) expect(summary.failure?.isClientError).toBe(isClientError);
      if (message !== undefined) expect(summary.failure?.message).toBe(message);
      expect(isFinalPhase(summary.phase)).toBe(true);
    } else {
      expect(summary.failure).toBeUndefined();
      expect(isFinalPhase(summary.phase)).toBe(phase === 'succeeded');
    }
  });

  it('reports both objects verbatim', () => {
    const summary = classifyRunState({
      state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'old message' },
      status: {
        state: 'TERMINATED',
        termination_details: { code: 'STORAGE_ACCESS_ERROR', type: 'CLIENT_ERROR', message: 'Access denied to s3://b' },
      },
      run_page_url: URL,
    });
    expect(summary).toEqual({
      phase: 'failed',
      lifeCycleState: 'TERMINATED',
      resultState: 'FAILED',
      message: 'Access denied to s3://b',
      runPageUrl: URL,
      terminationCode: 'STORAGE_ACCESS_ERROR',
      terminationType: 'CLIENT_ERROR',
      failure: {
        code: 'STORAGE_ACCESS_ERROR',
        message: 'Access denied to s3://b',
        runPageUrl: URL,
        terminationType: 'CLIENT_ERROR',
        isClientError: true,
      },
    });
  });

  it('falls back from an empty termination message to the state message, then to a sentence', () => {
    expect(
      classifyRunState({
        state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'from state' },
        status: { state: 'TERMINATED', termination_details: { code: 'RUN_EXECUTION_ERROR', message: '' } },
      }).failure?.message,
    ).toBe('from state');
    expect(
      classifyRunState({ state: { life_cycle_state: 'TERMINATED', result_state: 'TIMEDOUT', state_message: ' ' } })
        .failure?.message,
    ).toBe('The Databricks run ended with TIMEDOUT.');
  });

  it('takes the life-cycle state from status when state is missing', () => {
    expect(classifyRunState({ status: { state: 'BLOCKED' } }).lifeCycleState).toBe('BLOCKED');
  });

  it('leaves runPageUrl undefined when the run has none', () => {
    const summary = classifyRunState({ state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED' } });
    expect(summary.runPageUrl).toBeUndefined();
    expect(summary.failure?.runPageUrl).toBeUndefined();
  });
});

describe('failedTasks', () => {
  it('lists the tasks that ended without success, with their task run ids', () => {
    const run: Run = {
      run_id: 1,
      tasks: [
        { task_key: 'extract', run_id: 11, state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' } },
        {
          task_key: 'export',
          run_id: 12,
          run_page_url: `${URL}/task/12`,
          state: { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: 'OOM' },
        },
        { task_key: 'report', run_id: 13, state: { life_cycle_state: 'TERMINATED', result_state: 'UPSTREAM_FAILED' } },
        { task_key: 'still', run_id: 14, state: { life_cycle_state: 'RUNNING' } },
      ],
    };
    expect(failedTasks(run)).toEqual([
      {
        taskKey: 'export',
        taskRunId: 12,
        phase: 'failed',
        code: 'FAILED',
        message: 'OOM',
        runPageUrl: `${URL}/task/12`,
        terminationType: undefined,
        isClientError: false,
      },
      expect.objectContaining({ taskKey: 'report', taskRunId: 13, code: 'UPSTREAM_FAILED' }),
    ]);
  });

  it('returns nothing for a run without tasks', () => {
    expect(failedTasks({})).toEqual([]);
  });

  // A run lists one entry per task attempt, each with its own run id (apache/airflow#72313, checked on a live
  // workspace: "attempt_number 0 and 1, both FAILED, with different task run ids").
  const terminated = (result_state: string) => ({ life_cycle_state: 'TERMINATED' as const, result_state });

  it('judges a retried task by its last attempt: a failure followed by a successful retry is no failure', () => {
    const run: Run = {
      run_id: 1,
      tasks: [
        { task_key: 'export', run_id: 11, attempt_number: 0, state: terminated('FAILED') },
        { task_key: 'publish', run_id: 12, attempt_number: 0, state: terminated('FAILED') },
        { task_key: 'export', run_id: 13, attempt_number: 1, state: terminated('SUCCESS') },
      ],
    };
    expect(failedTasks(run).map((t) => [t.taskKey, t.taskRunId])).toEqual([['publish', 12]]);
  });

  it('reports a task out of retries once, with its last attempt’s run id, whatever the order of the entries', () => {
    const run: Run = {
      run_id: 1,
      tasks: [
        { task_key: 'load', run_id: 23, attempt_number: 2, state: terminated('FAILED') },
        { task_key: 'load', run_id: 21, attempt_number: 0, state: terminated('FAILED') },
        { task_key: 'load', run_id: 22, attempt_number: 1, state: terminated('FAILED') },
      ],
    };
    expect(failedTasks(run).map((t) => [t.taskKey, t.taskRunId])).toEqual([['load', 23]]);
  });
});
