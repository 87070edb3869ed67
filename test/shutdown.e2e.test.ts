import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, httpAnswers, type ManagedProcess, startService, waitFor } from '../scripts/src/local-stack.js';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/** SIGTERM mid-job: the worker stops taking jobs, finishes the one it has, closes its connections and exits 0. */
describe('graceful shutdown', () => {
  let stack: SyncStack;
  const processes: ManagedProcess[] = [];

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: LOAD_DATASETS,
      snowflake: true,
      importWorker: false,
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await stack?.close();
  });

  const env = () => ({
    ...stack.env,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    NODE_ENV: 'production',
    D2S_METRICS_PORT: '0',
  });

  it('import worker: SIGTERM during COPY lets the COPY finish, then exits 0', async () => {
    const admin = stack.snowflake?.emulator.admin;
    const queryLog = stack.snowflake?.emulator.queryLog;
    if (!admin || !queryLog) throw new Error('no Snowflake emulator');
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_replace' });
    const id = created.body.id as string;
    await stack.waitForStatus(id, (s) => s.status === 'importing', 30_000);
    admin.setLatency(800);
    const worker = startService('import-worker', env());
    processes.push(worker);
    const deadline = Date.now() + 30_000;
    while (
      !queryLog
        .entries()
        .some((e) => e.queryTag === `d2s:sync:${id}` && /^\s*COPY/i.test(e.sql) && e.status === 'RUNNING')
    ) {
      if (Date.now() > deadline) throw new Error(`the COPY never started\n${worker.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    admin.setLatency(0);
    expect(code, worker.output().slice(-3000)).toBe(0);
    const view = await stack.syncs.get(id);
    expect(view?.status).toBe('succeeded');
    expect(worker.output()).toContain('import-worker stopped');
    // Its Snowflake sessions were closed, not left to time out.
    expect(stack.snowflake?.emulator.admin.sessionCount()).toBeLessThanOrEqual(1);
  });

  it('API: SIGTERM stops accepting requests and exits 0', async () => {
    const port = await freePort();
    const api = startService('api', { ...env(), D2S_API_PORT: String(port) });
    processes.push(api);
    await waitFor('the API', () => httpAnswers(`http://127.0.0.1:${port}/readyz`), 30_000, api.output);
    api.child.kill('SIGTERM');
    expect(await api.exited, api.output().slice(-2000)).toBe(0);
    expect(await httpAnswers(`http://127.0.0.1:${port}/healthz`)).toBe(false);
  });
});
