import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FORECASTS_DATASET, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * The export worker as a real process (built output), killed with SIGKILL
 * while it polls a run and started again: the sync finishes and Databricks
 * saw one run for its idempotency token.
 */
describe('export worker crash while polling', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: FORECASTS_DATASET,
      exportWorker: false,
      timeScale: 0.5,
    });
  });
  afterAll(() => stack?.close());

  const spawnWorker = () => stack.spawnService('export-worker');

  it('resumes the same run after SIGKILL and hands off once', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const id = created.body.id as string;
    const first = spawnWorker();
    const exporting = await stack.waitForStatus(
      id,
      (s) => s.status === 'exporting' && s.databricks.runId !== undefined,
      30_000,
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).not.toBe(0);

    const second = spawnWorker();
    const done = await stack
      .waitForStatus(id, (s) => s.status === 'importing', 45_000)
      .catch((error) => {
        throw new Error(`${(error as Error).message}\n--- worker output ---\n${second.output().slice(-3000)}`);
      });
    expect(done.databricks.runId).toBe(exporting.databricks.runId);
    const runNows = stack.databricks.requestLog
      .entries({ route: 'jobs/run-now' })
      .filter((e) => e.idempotencyToken === `d2s-${id}`);
    expect(new Set(runNows.map((e) => e.runId)).size).toBe(1);
    expect(stack.databricks.admin.runs().filter((r) => r.idempotency_token === `d2s-${id}`)).toHaveLength(1);
    expect(await stack.queues.import.getJob(id)).toBeDefined();

    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
