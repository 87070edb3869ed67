import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobsOfSync } from './support/queue-jobs.js';
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
    // Handed off once: exactly one import job for the sync, whatever its id.
    const imports = await jobsOfSync(stack.queues.import, id);
    expect(imports.map((j) => j.id)).toEqual([id]);

    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
  /**
   * The narrowest window: Databricks has started the run but the worker has
   * not saved its id. run-now's answer is held back by the emulator (a
   * latency fault, consumed when the request arrives); the worker is
   * SIGKILLed while it waits, and the emulator then starts the run for a
   * client that is gone. The restarted worker must get that same run back
   * (idempotency token), not start a second one.
   */
  it('starts one run when killed between run-now and saving the run id', async () => {
    const admin = stack.databricks.admin;
    // Runs are counted as the emulator started them, token or not: this sync is the only one from here on.
    const earlier = new Set(admin.runs().map((r) => r.run_id));
    const fault = admin.addHttpFault({ route: 'jobs/run-now', latency_ms: 3_000, count: 1 });
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts' });
    const id = created.body.id as string;
    const token = `d2s-${id}`;
    const runsOfSync = () => admin.runs().filter((r) => !earlier.has(r.run_id));
    const first = spawnWorker();

    // run-now has arrived (the fault is used up) and is being held: no run yet, nothing saved.
    const deadline = Date.now() + 30_000;
    while (admin.faults().http.some((f) => f.id === fault.id)) {
      if (Date.now() > deadline) throw new Error(`run-now never arrived\n${first.output().slice(-2000)}`);
      await sleep(10);
    }
    expect(runsOfSync()).toEqual([]);
    first.child.kill('SIGKILL');
    await first.exited;

    // The emulator goes on and starts the run; the killed worker never saw its id.
    while (runsOfSync().length === 0) {
      if (Date.now() > deadline + 10_000) throw new Error('the held run-now never started a run');
      await sleep(20);
    }
    const job = await stack.queues.export.getJob(id);
    expect((job?.data as { progress?: { runId?: number } }).progress?.runId).toBeUndefined();
    const [orphan] = runsOfSync();

    const second = spawnWorker();
    const done = await stack
      .waitForStatus(id, (s) => s.status === 'importing' || s.status === 'failed', 45_000)
      .catch((error) => {
        throw new Error(`${(error as Error).message}\n--- worker output ---\n${second.output().slice(-3000)}`);
      });
    expect(done.status, JSON.stringify(done.error)).toBe('importing');
    // One run for the sync: counted, not de-duplicated by id.
    expect(runsOfSync()).toHaveLength(1);
    expect(done.databricks.runId).toBe(orphan?.run_id);
    // Both run-now calls (the killed one and the retry) were answered with that run.
    const runNows = stack.databricks.requestLog
      .entries({ route: 'jobs/run-now' })
      .filter((e) => e.idempotencyToken === token);
    expect(runNows.map((e) => e.runId)).toEqual([orphan?.run_id, orphan?.run_id]);
    expect((await jobsOfSync(stack.queues.import, id)).map((j) => j.id)).toEqual([id]);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
