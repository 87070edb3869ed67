import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * The import worker as a real process, SIGKILLed while its COPY INTO runs and
 * started again: the sync finishes once and the target holds exactly the
 * exported rows (the retried COPY must neither load twice nor miss files).
 */
describe('import worker crash mid-COPY', () => {
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

  const spawnWorker = () => stack.spawnService('import-worker');

  it.each([['forecasts_append'], ['forecasts_replace']])(
    '%s: finishes once with the exact row count',
    async (dataset) => {
      const table = dataset === 'forecasts_append' ? 'FORECASTS_APPEND' : 'FORECASTS_REPLACE';
      const admin = stack.snowflake?.emulator.admin;
      if (!admin) throw new Error('no Snowflake emulator');
      const created = await stack.request('POST', '/v1/syncs', { dataset });
      const id = created.body.id as string;
      await stack.waitForStatus(id, (s) => s.status === 'importing', 30_000);

      admin.setLatency(1_500); // every statement now takes 1.5 s, so the COPY is caught in flight
      const first = spawnWorker();
      await stack.waitForCopy(id, first.output);
      first.child.kill('SIGKILL');
      await first.exited;
      admin.setLatency(0);

      const second = spawnWorker();
      const done = await stack.waitForStatus(id, (s) => s.status === 'succeeded' || s.status === 'failed', 60_000);
      expect(done.status, `${JSON.stringify(done.error)}\n${second.output().slice(-2000)}`).toBe('succeeded');
      const rows = await stack.sql(`SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.${table}`);
      expect(Number(rows[0]?.N)).toBe(10_000);
      expect(done.load?.rowsLoaded).toBe(10_000);
      expect(await stack.sql(`SHOW TABLES LIKE '%D2S_STAGING%' IN SCHEMA D2S_SANDBOX.PUBLIC`)).toEqual([]);
      expect(await second.stop('SIGTERM'), second.output().slice(-3000)).toBe(0);
    },
    // Bounded by its own waits (30 s + 60 s); a loaded machine starts processes slowly.
    120_000,
  );
});
