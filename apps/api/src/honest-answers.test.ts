import { IdempotencyKeyStore, requestFingerprint, syncKeys } from '@d2s/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi } from '@d2s/testkit/api-harness';
import { type ScriptedExportWorker, startScriptedExportWorker } from '@d2s/testkit/scripted-export-worker';

/**
 * Issue #13, "Answers that are true": every answer about a sync is true under
 * contention. Real API over HTTP, real Redis, and an export worker that ends
 * syncs when a test says so.
 */
describe('API answers under contention (real HTTP, real Redis)', () => {
  let api: ApiHarness;
  let worker: ScriptedExportWorker;
  let keySeq = 0;
  const key = (name: string) => `${name}-${process.pid}-${++keySeq}`;
  const exportJobCount = async () =>
    Object.values(await api.queues.export.getJobCounts()).reduce((sum, n) => sum + n, 0);

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
    worker = await startScriptedExportWorker(inject('redisUrl'), api.prefix, api.queues.export);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  /** Ends whatever runs on `forecasts` (single-active), so the next test starts on a free dataset. */
  async function freeForecasts(): Promise<void> {
    const running = await api.request('GET', '/v1/syncs?dataset=forecasts&limit=200');
    for (const sync of running.body.items) {
      if (!['succeeded', 'failed', 'canceled'].includes(sync.status)) await worker.fail(sync.id);
    }
  }

  describe('a busy single-active dataset', () => {
    beforeAll(freeForecasts);

    it('refuses a request with other parameters with 409 DATASET_BUSY and a link to the running sync', async () => {
      const first = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' } });
      expect(first.status).toBe(202);
      const before = await exportJobCount();
      const other = await api.request('POST', '/v1/syncs', {
        body: { dataset: 'forecasts', parameters: { region: 'eu' } },
      });
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({
        code: 'DATASET_BUSY',
        details: { activeSyncId: first.body.id, links: { activeSync: `/v1/syncs/${first.body.id}` } },
      });
      expect(other.body.id).toBeUndefined();
      expect(await exportJobCount()).toBe(before);
    });

    it('lets only an identical request join the running sync (defaults filled, explicit null = omitted)', async () => {
      const running = (await api.request('GET', '/v1/syncs?dataset=forecasts&limit=1')).body.items[0];
      for (const body of [
        { dataset: 'forecasts' },
        { dataset: 'forecasts', parameters: { region: 'us' } },
        { dataset: 'forecasts', parameters: { region: null } },
        { dataset: 'forecasts', parameters: null },
      ]) {
        const joined = await api.request('POST', '/v1/syncs', { body });
        expect(joined.status, JSON.stringify(body)).toBe(200);
        expect(joined.body).toMatchObject({ id: running.id, deduplicated: 'already-active' });
      }
    });

    it('starts a new sync once the running one has ended', async () => {
      await freeForecasts();
      const next = await api.request('POST', '/v1/syncs', {
        body: { dataset: 'forecasts', parameters: { region: 'eu' } },
      });
      expect(next.status).toBe(202);
      expect(next.body.parameters).toEqual({ region: 'eu' });
    });

    it('answers many concurrent requests with one created sync, joins for identical ones, 409 for the others', async () => {
      await freeForecasts();
      const bodies = Array.from({ length: 24 }, (_, i) => ({
        dataset: 'forecasts',
        parameters: { region: i % 2 ? 'eu' : 'us' },
      }));
      const answers = await Promise.all(bodies.map((body) => api.request('POST', '/v1/syncs', { body })));
      const created = answers.filter((a) => a.status === 202);
      expect(created).toHaveLength(1);
      const winner = created[0]?.body;
      answers.forEach((answer, i) => {
        if (answer.status === 202) return;
        const identical = bodies[i]?.parameters.region === winner.parameters.region;
        if (identical) expect(answer.body).toMatchObject({ id: winner.id, deduplicated: 'already-active' });
        else expect(answer).toMatchObject({ status: 409, body: { error: { code: 'DATASET_BUSY' } } });
      });
    });
  });

  describe('one Idempotency-Key, one sync', () => {
    beforeAll(freeForecasts);

    it('keeps naming the running sync a keyed request joined, after that sync has ended', async () => {
      const running = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' } });
      expect(running.status).toBe(202);
      const headers = { 'idempotency-key': key('joined') };
      const joined = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' }, headers });
      expect(joined.body).toMatchObject({ id: running.body.id, deduplicated: 'already-active' });

      await worker.fail(running.body.id);
      const again = await api.request('POST', '/v1/syncs', { body: { dataset: 'forecasts' }, headers });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: running.body.id, status: 'failed', deduplicated: 'idempotency-key' });
      const other = await api.request('POST', '/v1/syncs', {
        body: { dataset: 'forecasts', parameters: { region: 'eu' } },
        headers,
      });
      expect(other).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    });

    it.each(['parallel_ok', 'forecasts'])(
      'answers exactly one of many concurrent requests with one key (%s) as created',
      async (dataset) => {
        await freeForecasts();
        const headers = { 'idempotency-key': key(`race-${dataset}`) };
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => api.request('POST', '/v1/syncs', { body: { dataset }, headers })),
        );
        expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
        const deduplicated = answers.filter((a) => a.status === 200);
        expect(deduplicated).toHaveLength(19);
        for (const answer of deduplicated) expect(answer.body.deduplicated).toBe('idempotency-key');
        expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      },
    );

    it('refuses one key used concurrently for two datasets: one sync, the other request 422', async () => {
      await freeForecasts();
      const headers = { 'idempotency-key': key('two-datasets') };
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api.request('POST', '/v1/syncs', { body: { dataset: i % 2 ? 'forecasts' : 'parallel_ok' }, headers }),
        ),
      );
      const winners = answers.filter((a) => a.status === 202);
      expect(winners).toHaveLength(1);
      const winnerDataset = winners[0]?.body.dataset;
      for (const answer of answers) {
        if (answer.status === 202) continue;
        if (answer.status === 200) expect(answer.body.dataset).toBe(winnerDataset);
        else expect(answer.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      }
    });
  });

  describe('listed once created', () => {
    it('repairs the index on the keyed path when a sync exists but was never listed', async () => {
      const headers = { 'idempotency-key': key('unlisted') };
      const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers });
      expect(created.status).toBe(202);
      // What an API killed between adding the job and writing the index left behind (before this fix).
      const keys = syncKeys(api.prefix);
      await api.redis.zrem(keys.index, created.body.id);
      await api.redis.zrem(keys.datasetIndex('parallel_ok'), created.body.id);
      const listedIds = async () =>
        (await api.request('GET', '/v1/syncs?dataset=parallel_ok&limit=200')).body.items.map(
          (s: { id: string }) => s.id,
        );
      expect(await listedIds()).not.toContain(created.body.id);

      const retried = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers });
      expect(retried.body.id).toBe(created.body.id);
      expect(await listedIds()).toContain(created.body.id);
      const all = await api.request('GET', '/v1/syncs?limit=200');
      expect(all.body.items.map((s: { id: string }) => s.id)).toContain(created.body.id);
    });

    it('completes a sync whose key was bound but whose job was never added, and lists it', async () => {
      const idempotencyKey = key('half-made');
      // What an API killed between binding the key and adding the job leaves behind.
      const store = new IdempotencyKeyStore(api.redis, syncKeys(api.prefix).idempotencyKey, 3600);
      const fingerprint = requestFingerprint({ dataset: 'parallel_ok', parameters: {} });
      await store.bind('sync', idempotencyKey, { id: 'sync_K0HALFMADE0000000000000000', fingerprint });

      const answer = await api.request('POST', '/v1/syncs', {
        body: { dataset: 'parallel_ok' },
        headers: { 'idempotency-key': idempotencyKey },
      });
      expect(answer.status).toBe(202);
      expect(answer.body.id).toBe('sync_K0HALFMADE0000000000000000');
      const listed = await api.request('GET', '/v1/syncs?dataset=parallel_ok&limit=200');
      expect(listed.body.items.map((s: { id: string }) => s.id)).toContain(answer.body.id);
    });

    it('skips an index entry whose job was never added, without a 500', async () => {
      const keys = syncKeys(api.prefix);
      await api.redis.zadd(keys.index, Date.now(), 'sync_00000000000000000000ORPHAN');
      const listed = await api.request('GET', '/v1/syncs?limit=200');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((s: { id: string }) => s.id)).not.toContain('sync_00000000000000000000ORPHAN');
    });
  });

  describe('retry', () => {
    it('gives the first retry when the same failed sync is retried again, concurrently or later', async () => {
      const failed = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
      await worker.fail(failed.body.id);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => api.request('POST', `/v1/syncs/${failed.body.id}/retry`)),
      );
      expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      const retry = answers.find((a) => a.status === 202)?.body;
      expect(retry).toMatchObject({ retryOf: failed.body.id, origin: 'retry' });
      for (const answer of answers.filter((a) => a.status === 200)) {
        expect(answer.body.deduplicated).toBe('already-retried');
      }
      await worker.fail(retry.id);
      const later = await api.request('POST', `/v1/syncs/${failed.body.id}/retry`);
      expect(later).toMatchObject({ status: 200, body: { id: retry.id, deduplicated: 'already-retried' } });
    });

    it('accepts an Idempotency-Key: the same key names the same retry, and is refused for another request', async () => {
      const failed = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
      await worker.fail(failed.body.id);
      const headers = { 'idempotency-key': key('retry') };
      const first = await api.request('POST', `/v1/syncs/${failed.body.id}/retry`, { headers });
      expect(first.status).toBe(202);
      const second = await api.request('POST', `/v1/syncs/${failed.body.id}/retry`, { headers });
      expect(second.body).toMatchObject({ id: first.body.id, deduplicated: 'idempotency-key' });
      const reused = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' }, headers });
      expect(reused).toMatchObject({ status: 422, body: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    });
  });

  describe('links', () => {
    it('offers only the actions valid in the sync’s state', async () => {
      const running = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
      const self = `/v1/syncs/${running.body.id}`;
      expect(running.body.links).toEqual({ self, events: `${self}/events`, cancel: `${self}/cancel` });

      await worker.fail(running.body.id);
      const failed = await api.request('GET', self);
      expect(failed.body.status).toBe('failed');
      expect(failed.body.links).toEqual({ self, events: `${self}/events`, retry: `${self}/retry` });

      const retry = await api.request('POST', `${self}/retry`);
      expect(retry.body.links).toMatchObject({ retryOf: self, cancel: `/v1/syncs/${retry.body.id}/cancel` });
      expect(retry.body.links.retry).toBeUndefined();
      const listed = await api.request('GET', '/v1/syncs?dataset=parallel_ok&status=failed&limit=200');
      for (const sync of listed.body.items) expect(sync.links.cancel).toBeUndefined();
    });
  });
});
