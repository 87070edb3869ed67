import { freePort, sleep } from '@d2s/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FORECASTS_DATASET, type SyncStack, startSyncStack } from './support/sync-stack.js';
import { API_TOKEN } from './support/sync-stack.js';

/**
 * The API as a real process (built output), SIGKILLed in the middle of creating a keyed sync (#13
 * "Listed once created"): stopped by D2S_TEST_PAUSE_AT at each point between its writes (key bound,
 * index written, job added), then killed. A retry with the same Idempotency-Key, to another API,
 * returns that one sync; exactly one sync and one export job exist, and the list shows it.
 */
describe('API SIGKILLed while it creates a sync', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: FORECASTS_DATASET });
  }, 60_000);
  afterAll(() => stack?.close());

  async function waitFor(condition: () => boolean | Promise<boolean>, what: string, explain: () => string) {
    const deadline = Date.now() + 30_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`${what}\n${explain().slice(-3000)}`);
      await sleep(25);
    }
  }

  it.each(['after-bind', 'after-index', 'after-job'])(
    'killed %s: the retried key gives the same single sync, listed',
    async (point) => {
      const port = await freePort();
      const api = stack.spawnService('api', {
        D2S_API_HOST: '127.0.0.1',
        D2S_API_PORT: String(port),
        D2S_TEST_PAUSE_AT: point,
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true,
        'the API process never answered',
        api.output,
      );

      const key = `crash-${point}-${Date.now()}`;
      const before = (await stack.queues.export.getJobCounts()) as Record<string, number>;
      const body = JSON.stringify({ dataset: 'forecasts', parameters: { forecast_date: '2024-06-05' } });
      const inFlight = fetch(`${url}/v1/syncs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body,
      }).then(
        (response) => response.status,
        () => 'connection lost' as const,
      );
      await waitFor(() => api.output().includes('paused at creation point'), 'never reached the pause', api.output);
      api.child.kill('SIGKILL');
      await api.exited;
      expect(await inFlight).toBe('connection lost');

      // The client retries with its key (to another API: the in-process one). The dead request's creation
      // lock is held until its lease lapses, so the answer may first be 503 SYNC_CREATION_CONTENDED, which
      // says to retry; a client does.
      const retry = () => stack.request('POST', '/v1/syncs', JSON.parse(body), { 'idempotency-key': key });
      let first = await retry();
      const deadline = Date.now() + 40_000;
      while (first.status === 503 && Date.now() < deadline) {
        expect(first.body.error.code).toBe('SYNC_CREATION_CONTENDED');
        await sleep(500);
        first = await retry();
      }
      // The killed API had written the job: the retry finds it. Before that, the retry finishes creating it.
      expect(first.status).toBe(point === 'after-job' ? 200 : 202);
      const id = first.body.id as string;
      const second = await retry();
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ id, deduplicated: 'idempotency-key' });

      // Exactly one sync for the key: one export job more than before, and it is this one.
      const after = (await stack.queues.export.getJobCounts()) as Record<string, number>;
      const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      expect(total(after) - total(before)).toBe(1);
      expect(await stack.queues.export.getJob(id)).toBeDefined();
      const listed = await stack.request('GET', '/v1/syncs?dataset=forecasts&limit=100');
      expect((listed.body.items as { id: string }[]).filter((s) => s.id === id)).toHaveLength(1);
      await stack.waitForStatus(id, (s) => s.status !== 'queued', 30_000);
    },
    90_000,
  );
});
