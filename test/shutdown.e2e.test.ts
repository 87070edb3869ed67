import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, httpAnswers, waitFor } from '../scripts/src/local-stack.js';
import { API_TOKEN, LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/** SIGTERM mid-job: the worker stops taking jobs, finishes the one it has, closes its connections and exits 0. */
describe('graceful shutdown', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: LOAD_DATASETS,
      snowflake: true,
      importWorker: false,
    });
  }, 60_000);
  afterAll(() => stack?.close());

  const env = { LOG_LEVEL: 'info', D2S_METRICS_PORT: '0' };

  it('import worker: SIGTERM during COPY lets the COPY finish, then exits 0', async () => {
    const admin = stack.snowflake?.emulator.admin;
    if (!admin) throw new Error('no Snowflake emulator');
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_replace' });
    const id = created.body.id as string;
    await stack.waitForStatus(id, (s) => s.status === 'importing', 30_000);
    admin.setLatency(800);
    const worker = stack.spawnService('import-worker', env);
    await stack.waitForCopy(id, worker.output);
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

  it('API: refuses to start without API tokens, saying what to set', async () => {
    const port = await freePort();
    const api = stack.spawnService('api', { ...env, D2S_API_PORT: String(port), D2S_API_TOKENS: '' });
    expect(await api.exited, api.output().slice(-2000)).toBe(1);
    expect(api.output()).toContain('No API tokens configured: set D2S_API_TOKENS');
    expect(await httpAnswers(`http://127.0.0.1:${port}/healthz`)).toBe(false);
  });

  it('API: SIGTERM stops accepting requests and exits 0', async () => {
    const port = await freePort();
    const api = stack.spawnService('api', { ...env, D2S_API_PORT: String(port) });
    await waitFor('the API', () => httpAnswers(`http://127.0.0.1:${port}/readyz`), 30_000, api.output);
    api.child.kill('SIGTERM');
    expect(await api.exited, api.output().slice(-2000)).toBe(0);
    expect(await httpAnswers(`http://127.0.0.1:${port}/healthz`)).toBe(false);
  });

  it('API: SIGTERM ends open event streams of running syncs and exits 0', async () => {
    const port = await freePort();
    const api = stack.spawnService('api', { ...env, D2S_API_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the API', () => httpAnswers(`${base}/readyz`), 30_000, api.output);
    const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
    // No import worker in this stack: the sync stays running, so its streams never end by themselves.
    const streams = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const created = await fetch(`${base}/v1/syncs`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ dataset: 'forecasts_append' }),
        });
        const { id } = (await created.json()) as { id: string };
        const response = await fetch(`${base}/v1/syncs/${id}/events`, { headers });
        expect(response.status).toBe(200);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        await reader.read(); // the stream is open and has sent its first bytes
        // Wrapped: an async function returning the promise itself would wait for the stream to end.
        const ended = (async () => {
          while (!(await reader.read().catch(() => ({ done: true }))).done) {
            // drain until the server ends the stream
          }
          return 'ended';
        })();
        return { ended };
      }),
    );
    api.child.kill('SIGTERM');
    expect(await api.exited, api.output().slice(-2000)).toBe(0);
    expect(await Promise.all(streams.map((s) => s.ended))).toEqual(['ended', 'ended', 'ended']);
    expect(api.output()).toContain('api stopped');
  });
});
